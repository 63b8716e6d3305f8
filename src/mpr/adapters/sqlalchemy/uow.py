"""SqlUnitOfWork: one session and transaction shared by the three repositories."""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mpr.adapters.sqlalchemy.engine import db_errors
from mpr.adapters.sqlalchemy.repositories import (
    SqlAssetRepository,
    SqlJobRepository,
    SqlPresetRepository,
)
from mpr.domain.errors import MprError
from mpr.domain.ports import AssetRepository, JobRepository, PresetRepository


class SqlUnitOfWork:
    """A transaction over assets, presets and jobs; leaving without commit rolls back."""

    assets: AssetRepository
    presets: PresetRepository
    jobs: JobRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        session = self._session = self._session_factory()
        self.assets = SqlAssetRepository(session)
        self.presets = SqlPresetRepository(session)
        self.jobs = SqlJobRepository(session)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        session, self._session = self._active(), None
        # close() rolls back what was not committed and hands the connection back (one call
        # into the driver); a failure there must not hide the error that made us leave.
        quiet = contextlib.suppress(MprError) if exc is not None else contextlib.nullcontext()
        with quiet, db_errors():
            await session.close()

    async def commit(self) -> None:
        """Make the changes of this unit durable."""
        with db_errors():
            await self._active().commit()

    async def rollback(self) -> None:
        """Drop the changes of this unit."""
        await self._rollback(self._active())

    @staticmethod
    async def _rollback(session: AsyncSession) -> None:
        with db_errors():
            await session.rollback()

    def _active(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session
