"""Database reachability for /ready and systemStatus."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from mpr.domain.errors import DatabaseError


class DatabaseHealth:
    """Runs SELECT 1 on a fresh pooled connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> None:
        try:
            async with self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as e:
            raise DatabaseError(f"database unavailable: {type(e).__name__}") from e
