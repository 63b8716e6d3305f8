"""Ports of the media database: assets, presets, jobs and their unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.domain.preset import TranscodePreset


@dataclass(frozen=True, slots=True)
class Page:
    """A window of a list: at most limit items after offset."""

    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class AssetEntry:
    """What a scan needs to know of a registered asset: its key, size and status."""

    id: uuid.UUID
    file_path: str
    file_size: int | None
    status: AssetStatus


class AssetRepository(Protocol):
    async def add(self, asset: MediaAsset) -> None:
        """Insert a new asset; Conflict when its store key is already registered."""
        ...

    async def get(self, asset_id: uuid.UUID) -> MediaAsset:
        """The asset; NotFound when unknown."""
        ...

    async def save(self, asset: MediaAsset) -> None:
        """Write back the changes of an asset obtained from this repository."""
        ...

    async def delete(self, asset_id: uuid.UUID) -> None:
        """Remove the asset record."""
        ...

    async def known_paths(self, location: Location) -> set[str]:
        """Store keys already registered in a location."""
        ...

    async def inventory(self, location: Location) -> Sequence[AssetEntry]:
        """Every asset registered in a location, as (id, key, size, status), in any order."""
        ...

    async def list(self, page: Page, status: AssetStatus | None = None,
                   location: Location | None = None, search: str | None = None
                   ) -> Sequence[MediaAsset]:
        """Assets, newest first, filtered."""
        ...

    async def many(self, asset_ids: Collection[uuid.UUID]) -> Sequence[MediaAsset]:
        """The known assets among these ids, in any order (unknown ids are left out)."""
        ...


class PresetRepository(Protocol):
    async def add(self, preset: TranscodePreset) -> None:
        """Insert a preset; Conflict when the name is taken."""
        ...

    async def get(self, preset_id: uuid.UUID) -> TranscodePreset:
        """The preset; NotFound when unknown."""
        ...

    async def get_by_name(self, name: str) -> TranscodePreset | None:
        """The preset with that name, if any."""
        ...

    async def save(self, preset: TranscodePreset) -> None:
        """Replace a stored preset by id."""
        ...

    async def delete(self, preset_id: uuid.UUID) -> None:
        """Remove a preset."""
        ...

    async def list(self, page: Page) -> Sequence[TranscodePreset]:
        """Presets, builtin first, then by name."""
        ...


class JobRepository(Protocol):
    async def add(self, job: TranscodeJob) -> None:
        """Insert a new job."""
        ...

    async def get(self, job_id: uuid.UUID) -> TranscodeJob:
        """The job; NotFound when unknown."""
        ...

    async def save(self, job: TranscodeJob) -> None:
        """Write back the changes of a job obtained from this repository."""
        ...

    async def claim(self, job_id: uuid.UUID, worker_id: str, now: datetime) -> TranscodeJob | None:
        """Atomically move a pending job to processing for this worker (the job returned has
        recorded its start); None if not pending."""
        ...

    async def heartbeat(self, job_id: uuid.UUID, worker_id: str, now: datetime) -> bool:
        """Touch heartbeat_at of a job this worker processes; False when it is no longer its."""
        ...

    async def list(self, page: Page, status: JobStatus | None = None,
                   source_asset_id: uuid.UUID | None = None,
                   output_asset_id: uuid.UUID | None = None) -> Sequence[TranscodeJob]:
        """Jobs, newest first, filtered (by an output asset: the job that made it)."""
        ...

    async def in_batch(self, batch_id: uuid.UUID) -> Sequence[TranscodeJob]:
        """Every job of a batch, oldest first (none for an unknown batch)."""
        ...

    async def active_for_asset(self, asset_id: uuid.UUID) -> int:
        """How many pending or processing jobs use the asset as source."""
        ...

    async def delete_ended(self, statuses: Collection[JobStatus]) -> int:
        """Delete the jobs in these statuses (ended ones only: active statuses are ignored);
        how many went. Their output assets stay."""
        ...

    async def output_path_taken(self, output_path: str) -> bool:
        """True when an active or completed job writes that output key."""
        ...

    async def pending_ids(self) -> Sequence[uuid.UUID]:
        """Pending jobs, highest priority first then oldest, for dispatch."""
        ...

    async def stale_processing(self, heartbeat_before: datetime) -> Sequence[TranscodeJob]:
        """Processing jobs whose worker has not heart-beaten since the given time."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the repositories; leaving without commit rolls back."""

    assets: AssetRepository
    presets: PresetRepository
    jobs: JobRepository

    async def __aenter__(self) -> Self:
        ...

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        ...

    async def commit(self) -> None:
        """Make the changes of this unit durable."""
        ...

    async def rollback(self) -> None:
        """Drop the changes of this unit."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
