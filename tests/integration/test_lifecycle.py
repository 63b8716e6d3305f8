"""What a process opens is closed by Services.close: the database pool and the Redis pool."""

from __future__ import annotations

import signal
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
from tests.integration.server_fixtures import STOP_TIMEOUT, running_server


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


def test_a_terminated_embedded_server_stops_its_background_work_then_exits_cleanly(
        tmp_path: Path) -> None:
    # the embedded default runs every background task: the event follower, the upload sweep,
    # the reconciler, the input watcher and the in-process workers
    with running_server("lifecycle", tmp_path / "data", {"MPR_WATCH": "true"}) as server:
        server.client.get("/ready").raise_for_status()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(STOP_TIMEOUT)
        log = server.log_path.read_text("utf-8", "replace")

    # uvicorn re-raises the signal once its graceful shutdown is over
    assert code == -signal.SIGTERM, log[-3000:]
    stopped = [line for line in log.splitlines() if "stopped: " in line]
    assert len(stopped) == 1, log[-3000:]
    for task in ("sweep-uploads", "watch-input", "reconcile", "mpr-events"):
        assert task in stopped[0]
    for trouble in ("Traceback", "Task was destroyed but it is pending",
                    "background task", "Exception in callback", "ERROR"):
        assert trouble not in log, log[-3000:]
