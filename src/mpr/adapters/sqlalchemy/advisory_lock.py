"""The LeaderLock port as a PostgreSQL session advisory lock, for processes without Redis.

The lock lives as long as the connection holding it: a process that dies (or loses its
connection) releases it at once, and another takes it at its next try. SQLite serves one
process, which is always the leader (`SoleLeader`)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mpr.domain.errors import DatabaseError

LOCK_KEY = 0x4D50_5200_0001  # "MPR" + reconciler: one key for every MPR process


class PgAdvisoryLock:
    """pg_try_advisory_lock on a connection of its own, kept while the lock is held."""

    def __init__(self, engine: AsyncEngine, key: int = LOCK_KEY) -> None:
        self._engine, self._key = engine, key
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        try:
            if self._conn is not None:
                await self._conn.execute(text("SELECT 1"))  # still ours while it answers
                return True
            conn = await self._engine.connect()
            held = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                       {"k": self._key})).scalar_one()
            await conn.commit()
        except (SQLAlchemyError, OSError) as e:
            await self.release()
            raise DatabaseError(f"leader lock: database unavailable: {type(e).__name__}") from e
        if held:
            self._conn = conn
        else:
            await conn.close()
        return bool(held)

    async def release(self) -> None:
        """Give the lock up and its connection back; harmless when not held."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:  # a pooled connection outlives close(): unlock, or the session keeps the lock
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            await conn.commit()
            await conn.close()
        except (SQLAlchemyError, OSError):
            await conn.invalidate()  # the session ends with the connection, and its lock


class SoleLeader:
    """The LeaderLock of the only process there is (SQLite)."""

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        """Nothing to release."""
