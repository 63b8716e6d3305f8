"""What a process opens is closed by Services.close: the database pool and the Redis pool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

from mpr.adapters.sqlalchemy.engine import make_engine
from mpr.bootstrap.services import services_of, wire
from mpr.settings import Settings
from tests.integration.db_fixtures import create_database, drop_database
from tests.integration.redis_fixtures import redis_client, redis_url  # noqa: F401 - fixtures


@pytest.fixture
async def database_url(pg_server_url: str) -> AsyncIterator[str]:
    url = await create_database(pg_server_url, prefix="mpr_lifecycle")
    yield url
    await drop_database(pg_server_url, url)


async def _connections_to(server_url: str, database_url: str) -> int:
    name = database_url.rsplit("/", 1)[-1]
    engine = make_engine(server_url)
    try:
        async with engine.connect() as connection:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name")
            return int((await connection.execute(query, {"name": name})).scalar_one())
    finally:
        await engine.dispose()


async def test_close_leaves_no_connection_to_the_database_or_to_redis(
        tmp_path: Path, pg_server_url: str, database_url: str, redis_url: str,  # noqa: F811
        redis_client: redis.Redis) -> None:  # noqa: F811
    settings = Settings(database_url=database_url, redis_url=redis_url, data_dir=tmp_path,
                        samples=False)
    root = wire(settings)
    services = services_of(root)
    await services.prepare()
    await services.queries.presets()
    await services.queue.check()
    redis_id = root.infra.dramatiq_queue().client.client_id()
    open_before = await _connections_to(pg_server_url, database_url)
    listed_before = redis_client.client_list(client_id=[redis_id])

    await services.close()

    assert open_before >= 1
    assert listed_before
    assert await _connections_to(pg_server_url, database_url) == 0
    assert redis_client.client_list(client_id=[redis_id]) == []
