"""Who did it: new jobs and presets name their creator, deletions are recorded.

The entrypoint that checked the caller names it with `act_as`; a RecordingUnitOfWork
around the use cases' unit of work stamps `created_by` on what they add and records what
they delete once the deletion is committed, so no use case needs another argument."""

from __future__ import annotations

import dataclasses
import uuid
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Self, cast

from mpr.domain.identity import Deletion
from mpr.domain.job import TranscodeJob
from mpr.domain.ports import (
    AccessUnitOfWorkFactory,
    AssetRepository,
    Clock,
    JobRepository,
    PresetRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)
from mpr.domain.preset import TranscodePreset

_actor: ContextVar[str | None] = ContextVar("mpr_actor", default=None)


def act_as(actor: str | None) -> None:
    """Name who the rest of this task acts for ('user:alice', 'token:ci')."""
    _actor.set(actor)


def current_actor() -> str | None:
    return _actor.get()


class _Delegate:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Jobs(_Delegate):
    async def add(self, job: TranscodeJob) -> None:
        if job.created_by is None:
            job.created_by = current_actor()
        await self._inner.add(job)


class _Presets(_Delegate):
    def __init__(self, inner: PresetRepository, deleted: list[tuple[str, uuid.UUID, str]]
                 ) -> None:
        super().__init__(inner)
        self._deleted = deleted

    async def add(self, preset: TranscodePreset) -> None:
        if preset.created_by is None and not preset.is_builtin:
            preset = dataclasses.replace(preset, created_by=current_actor())
        await self._inner.add(preset)

    async def delete(self, preset_id: uuid.UUID) -> None:
        preset = await self._inner.get(preset_id)
        await self._inner.delete(preset_id)
        self._deleted.append(("preset", preset_id, preset.name))


class _Assets(_Delegate):
    def __init__(self, inner: AssetRepository, deleted: list[tuple[str, uuid.UUID, str]]
                 ) -> None:
        super().__init__(inner)
        self._deleted = deleted

    async def delete(self, asset_id: uuid.UUID) -> None:
        asset = await self._inner.get(asset_id)
        await self._inner.delete(asset_id)
        self._deleted.append(("asset", asset_id, asset.file_path))


class RecordingUnitOfWork:
    """The use cases' unit of work, stamping creators and recording deletions."""

    assets: AssetRepository
    presets: PresetRepository
    jobs: JobRepository

    def __init__(self, inner: UnitOfWork, log: AccessUnitOfWorkFactory, clock: Clock) -> None:
        self._inner, self._log, self._clock = inner, log, clock
        self._deleted: list[tuple[str, uuid.UUID, str]] = []

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        self.assets = cast(AssetRepository, _Assets(self._inner.assets, self._deleted))
        self.presets = cast(PresetRepository, _Presets(self._inner.presets, self._deleted))
        self.jobs = cast(JobRepository, _Jobs(self._inner.jobs))
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        await self._inner.commit()
        deleted, self._deleted[:] = list(self._deleted), []
        if not deleted:
            return
        actor, now = current_actor() or "system", self._clock.now()
        async with self._log() as log:
            for kind, entity_id, name in deleted:
                await log.deletions.add(Deletion(uuid.uuid4(), kind, entity_id, name, actor,
                                                 now))
            await log.commit()

    async def rollback(self) -> None:
        self._deleted.clear()
        await self._inner.rollback()


def recording(uow: UnitOfWorkFactory, log: AccessUnitOfWorkFactory,
              clock: Clock) -> UnitOfWorkFactory:
    """A factory of recording units of work over `uow`."""
    return lambda: RecordingUnitOfWork(uow(), log, clock)
