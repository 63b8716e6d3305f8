"""Database fixtures: every test runs on SQLite (a file) and on a real PostgreSQL.

PostgreSQL is reached at MPR_TEST_DATABASE_URL (default: the local server as user postgres);
a uniquely named database is created on it for the test session and dropped at the end.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mpr.adapters.sqlalchemy.engine import make_engine, make_session_factory
from mpr.adapters.sqlalchemy.migrate import upgrade
from mpr.adapters.sqlalchemy.models import Base
from mpr.adapters.sqlalchemy.uow import SqlUnitOfWork
from tests.integration.media import run_async

__all__ = [
    "backend",
    "db_engine",
    "empty_database_url",
    "migrated_url",
    "pg_database_url",
    "pg_empty_database_url",
    "pg_server_url",
    "session_database_url",
    "session_factory",
    "uow_factory",
]

DEFAULT_PG_SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


def pg_server_url_from_env() -> str:
    """The PostgreSQL server the tests create their databases on."""
    return os.environ.get("MPR_TEST_DATABASE_URL") or DEFAULT_PG_SERVER_URL


async def create_database(server_url: str, prefix: str = "mpr_test") -> str:
    """Create an empty, uniquely named database and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, database_url: str) -> None:
    """Drop a database made by create_database, even if connections linger."""
    name = make_url(database_url).database
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def fresh_pg_database(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database for synchronous fixtures (servers in subprocesses), dropped
    afterwards; a clear failure when the server is unreachable."""
    server_url = pg_server_url_from_env()
    try:
        url = run_async(create_database(server_url, prefix=prefix))
    except Exception as e:
        pytest.fail(f"PostgreSQL is not reachable at {server_url} ({e!r}); start it or set "
                    "MPR_TEST_DATABASE_URL to a postgresql+asyncpg:// server URL", pytrace=False)
    try:
        yield url
    finally:
        run_async(drop_database(server_url, url))


async def _admin(server_url: str, statement: str) -> None:
    engine = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def pg_server_url() -> str:
    """The PostgreSQL server URL; fails the test clearly when it cannot be reached."""
    url = pg_server_url_from_env()
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as e:
        pytest.fail(f"PostgreSQL is not reachable at {make_url(url)!r} ({e!r}); start it or "
                    "set MPR_TEST_DATABASE_URL to a postgresql+asyncpg:// server URL",
                    pytrace=False)
    finally:
        await engine.dispose()
    return url


@pytest.fixture(scope="session")
async def pg_database_url(pg_server_url: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for the whole test session, dropped at the end."""
    url = await create_database(pg_server_url)
    yield url
    await drop_database(pg_server_url, url)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on."""
    return str(request.param)


@pytest.fixture(scope="session")
def session_database_url(backend: str, request: pytest.FixtureRequest,
                         tmp_path_factory: pytest.TempPathFactory) -> str:
    """The session's database of the current backend (not yet migrated)."""
    if backend == "sqlite":
        return sqlite_url(tmp_path_factory.mktemp("sqlite") / "mpr.sqlite3")
    return str(request.getfixturevalue("pg_database_url"))


@pytest.fixture(scope="session")
async def migrated_url(session_database_url: str) -> str:
    """The session's database, migrated to head once."""
    await upgrade(session_database_url)
    return session_database_url


@pytest.fixture
async def db_engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the migrated database, emptied before the test."""
    engine = make_engine(migrated_url)
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(db_engine)


@pytest.fixture
def uow_factory(session_factory: async_sessionmaker[AsyncSession]
                ) -> Callable[[], SqlUnitOfWork]:
    """Builds a new unit of work, as the application's UnitOfWorkFactory does."""
    return lambda: SqlUnitOfWork(session_factory)


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest,
                       tmp_path: Path) -> Iterator[str]:
    """A database of its own for this test, with no schema at all."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path / "empty.sqlite3")
        return
    yield str(request.getfixturevalue("pg_empty_database_url"))


@pytest.fixture
async def pg_empty_database_url(pg_server_url: str) -> AsyncIterator[str]:
    url = await create_database(pg_server_url, prefix="mpr_test_empty")
    yield url
    await drop_database(pg_server_url, url)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"
