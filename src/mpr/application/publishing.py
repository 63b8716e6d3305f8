"""The unit of work that publishes: events of the entities it saw go out after commit.

A PublishingUnitOfWork wraps the use cases' unit of work. Every job and asset its
repositories hand out or take in is noted; after a successful commit the events those
entities recorded are drained and given to the message bus, oldest first (each entity's own
events in the order it recorded them).
A rollback, or leaving without commit, drops them: nothing is announced that did not happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, cast

from mpr.application.messagebus import MessageBus
from mpr.domain.asset import MediaAsset
from mpr.domain.events import DomainEvent
from mpr.domain.job import TranscodeJob
from mpr.domain.ports import (
    AssetRepository,
    JobRepository,
    PresetRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)


class _Recorder(Protocol):
    events: list[DomainEvent]


class _Seen:
    """A repository that notes the entities passing through it."""

    def __init__(self, inner: Any, seen: list[_Recorder]) -> None:
        self._inner, self._seen = inner, seen

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _note(self, entity: Any) -> Any:
        if entity is not None and all(entity is not e for e in self._seen):
            self._seen.append(entity)
        return entity


class _SeenJobs(_Seen):
    async def add(self, job: TranscodeJob) -> None:
        await self._inner.add(self._note(job))

    async def save(self, job: TranscodeJob) -> None:
        await self._inner.save(self._note(job))

    async def get(self, job_id: Any) -> TranscodeJob:
        return cast(TranscodeJob, self._note(await self._inner.get(job_id)))

    async def claim(self, job_id: Any, worker_id: str, now: datetime) -> TranscodeJob | None:
        return cast(TranscodeJob | None,
                    self._note(await self._inner.claim(job_id, worker_id, now)))


class _SeenAssets(_Seen):
    async def add(self, asset: MediaAsset) -> None:
        await self._inner.add(self._note(asset))

    async def save(self, asset: MediaAsset) -> None:
        await self._inner.save(self._note(asset))

    async def get(self, asset_id: Any) -> MediaAsset:
        return cast(MediaAsset, self._note(await self._inner.get(asset_id)))


class PublishingUnitOfWork:
    """A unit of work whose committed entities' events are published to the bus."""

    assets: AssetRepository
    presets: PresetRepository
    jobs: JobRepository

    def __init__(self, inner: UnitOfWork, bus: MessageBus) -> None:
        self._inner, self._bus = inner, bus
        self._seen: list[_Recorder] = []

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        self.assets = cast(AssetRepository, _SeenAssets(self._inner.assets, self._seen))
        self.presets = self._inner.presets
        self.jobs = cast(JobRepository, _SeenJobs(self._inner.jobs, self._seen))
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            await self._inner.__aexit__(exc_type, exc, tb)
        finally:
            self._drain()

    async def commit(self) -> None:
        await self._inner.commit()
        await self._bus.publish(self._drain())

    async def rollback(self) -> None:
        self._drain()
        await self._inner.rollback()

    def _drain(self) -> Sequence[DomainEvent]:
        """Take the recorded events off every entity seen, oldest first (a stable sort)."""
        events = [event for entity in self._seen for event in entity.events]
        for entity in self._seen:
            entity.events.clear()
        self._seen.clear()
        return sorted(events, key=lambda e: e.at)


def publishing(uow: UnitOfWorkFactory, bus: MessageBus) -> UnitOfWorkFactory:
    """A factory of units of work over `uow` that publish to `bus` after each commit."""
    return lambda: PublishingUnitOfWork(uow(), bus)
