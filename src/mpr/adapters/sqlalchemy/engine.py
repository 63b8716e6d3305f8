"""Engines and sessions for SQLite and PostgreSQL, and the translation of driver failures."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm.exc import StaleDataError

from mpr.domain.errors import ConcurrentUpdate, Conflict, DatabaseError

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Enough kept-open connections for a busy API process: overflow ones are opened and closed
# per use, which costs a connect (and TLS negotiation) each time.
PG_POOL_SIZE = 20
PG_MAX_OVERFLOW = 10
PG_CONNECT_TIMEOUT_S = 10
# SQLSTATEs of a connection the server broke: connection exceptions, operator intervention
# (terminated, shutting down, starting up), too many connections, database dropped.
PG_DISCONNECT_STATES = ("08", "57P", "53300", "3D000")


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine tuned for the URL's backend (SQLite pragmas, PostgreSQL pool)."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        return engine
    if backend == "postgresql":
        engine = create_async_engine(
            url, echo=echo, pool_pre_ping=True, pool_size=PG_POOL_SIZE,
            max_overflow=PG_MAX_OVERFLOW, pool_recycle=1800,
            connect_args={"timeout": PG_CONNECT_TIMEOUT_S,
                          "server_settings": {"application_name": "mpr"}},
        )
        event.listen(engine.sync_engine, "handle_error", _pg_disconnects)
        return engine
    return create_async_engine(url, echo=echo)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers, a long busy wait for writers, enforced foreign keys."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
    # SQLite's own lower() folds ASCII only; searches must fold any script.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


def _pg_disconnects(context: ExceptionContext) -> None:
    """A failed connect, or a connection the server broke, invalidates the pool's connections.

    SQLAlchemy then reconnects on the next checkout, and is_connection_failure sees the flag.
    """
    if context.connection is None or _sqlstate(context.original_exception).startswith(
            PG_DISCONNECT_STATES):
        context.is_disconnect = True


def _sqlstate(error: BaseException | None) -> str:
    """The SQLSTATE of the PostgreSQL error behind a driver exception, or ''."""
    while error is not None:
        state = getattr(error, "sqlstate", None)
        if isinstance(state, str):
            return state
        error = error.__cause__
    return ""


def is_connection_failure(error: BaseException) -> bool:
    """True for errors that mean the database cannot be reached or used right now."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, OperationalError | InterfaceError | OSError):
        return True
    return isinstance(error, asyncpg.PostgresConnectionError | asyncpg.InterfaceError)


@contextlib.contextmanager
def db_errors(conflict: str = "the change clashes with existing data") -> Iterator[None]:
    """Turn driver failures into domain errors: DatabaseError, or Conflict for constraints."""
    try:
        yield
    except IntegrityError as e:
        raise Conflict(conflict) from e
    except StaleDataError as e:
        raise ConcurrentUpdate("another change to the same record came first") from e
    except Exception as e:
        if is_connection_failure(e):
            raise DatabaseError(f"database unavailable: {_reason(e)}") from e
        raise


def _reason(error: BaseException) -> str:
    """The driver's own message, without SQLAlchemy's statement dump."""
    orig = getattr(error, "orig", None) or error
    text = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {text[0] if text else 'no details'}"
