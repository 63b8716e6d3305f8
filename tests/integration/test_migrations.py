"""The Alembic migrations build exactly the schema models.py describes, both ways."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from mpr.adapters.sqlalchemy.engine import make_engine
from mpr.adapters.sqlalchemy.migrate import downgrade, make_config, upgrade
from mpr.adapters.sqlalchemy.models import Base

TABLES = {"media_assets", "transcode_presets", "transcode_jobs"}
HEAD = ScriptDirectory.from_config(make_config()).get_current_head()


async def _inspect(url: str, probe: Any) -> Any:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(probe)
    finally:
        await engine.dispose()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _drift(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_downgrade_upgrade_round_trips(empty_database_url: str) -> None:
    url = empty_database_url

    await upgrade(url)
    after_first = await _inspect(url, _tables)
    await downgrade(url, "base")
    after_downgrade = await _inspect(url, _tables)
    await upgrade(url)

    assert after_first >= TABLES
    assert not after_downgrade & TABLES
    assert await _inspect(url, _tables) >= TABLES
    assert await _inspect(url, _revision) == HEAD


async def test_every_revision_downgrades_one_step_and_back(empty_database_url: str) -> None:
    url = empty_database_url
    revisions = [r.revision for r in ScriptDirectory.from_config(make_config()).walk_revisions()]

    await upgrade(url)
    for revision in revisions[:-1]:  # from the head down, each step down, back up, down again
        await downgrade(url, "-1")
        await upgrade(url, revision)
        await downgrade(url, "-1")
    await upgrade(url)

    assert await _inspect(url, _revision) == HEAD
    assert await _inspect(url, _drift) == []


async def test_migrated_schema_matches_the_models(empty_database_url: str) -> None:
    await upgrade(empty_database_url)

    assert await _inspect(empty_database_url, _drift) == []
