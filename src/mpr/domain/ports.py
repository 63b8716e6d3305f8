"""Ports: what the application needs from the outside world, as Protocols."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.job import JobStatus, Progress, TranscodeJob
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import StoredObject, TranscodeOutput, TranscodeRequest
from mpr.domain.preset import TranscodePreset

ProgressCallback = Callable[[Progress], Awaitable[None]]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for intervals."""
        ...


class MediaStorage(Protocol):
    """One media store (input or output); keys are relative '/'-separated paths."""

    kind: str

    def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        """Every object under the prefix, in any order, however many there are."""
        ...

    async def stat(self, key: str) -> StoredObject:
        """The object's size; NotFound when it does not exist."""
        ...

    async def exists(self, key: str) -> bool:
        """True when an object is stored under the key."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The object's bytes from start up to end (exclusive), in chunks."""
        ...

    async def media_locator(self, key: str) -> str:
        """A local path or URL from which ffmpeg/ffprobe can read the object.

        It costs no round trip to the store, so it does not check that the object exists:
        reading a missing one fails, and the caller asks `exists` to say why."""
        ...

    def staging_dir(self) -> Path:
        """A local directory for outputs being written, from which put_file moves cheaply."""
        ...

    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        """Store a copy of a finished local file under the key atomically (the key appears
        only complete); the local file is left in place for the caller to read or remove."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""
        ...

    async def check(self) -> None:
        """Raise StorageError when the store cannot be reached."""
        ...


class MediaProber(Protocol):
    async def probe(self, locator: str) -> MediaInfo:
        """Media metadata of a local path or URL; ProbeError when it is not valid media."""
        ...


class ThumbnailMaker(Protocol):
    async def thumbnail(self, locator: str, cache_key: str, at: float, width: int) -> Path:
        """A JPEG of the frame at `at` seconds, `width` pixels wide, cached under cache_key."""
        ...


class Transcoder(Protocol):
    async def transcode(self, request: TranscodeRequest, on_progress: ProgressCallback) -> None:
        """Run one encode to request.destination, reporting progress.

        Cancelling the calling task (or an exception from on_progress) stops the encoder
        promptly; TranscodeError carries the reason of a failed encode.
        """
        ...


@dataclass(frozen=True, slots=True)
class Dispatch:
    """What the queue returned for a dispatched job: a message id or an execution ARN."""

    task_id: str | None = None
    execution_arn: str | None = None


@dataclass(frozen=True, slots=True)
class QueueStats:
    """A queue's view of its load."""

    depth: int
    workers: int
    running: int


class JobQueue(Protocol):
    async def dispatch(self, job: TranscodeJob) -> Dispatch:
        """Hand a pending job to the workers; higher priority runs first."""
        ...

    async def cancel(self, job: TranscodeJob) -> None:
        """Stop a dispatched job's work wherever it runs; best effort, never raises NotFound."""
        ...

    async def check(self) -> None:
        """Raise QueueError when the queue cannot be reached."""
        ...

    async def stats(self) -> QueueStats:
        """How many jobs wait and how many workers are alive, as far as the queue knows."""
        ...


class JobReporter(Protocol):
    """Where a running job reports to: the database locally, a signed callback in the cloud."""

    async def progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        """Record progress; raises JobCancelled when the job was cancelled meanwhile."""
        ...

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        """Record the stored output; raises JobCancelled if the job may not complete."""
        ...

    async def failed(self, job_id: uuid.UUID, message: str) -> None:
        """Record that the job failed with the given message."""
        ...


@dataclass(frozen=True, slots=True)
class Page:
    """A window of a list: at most limit items after offset."""

    limit: int = 50
    offset: int = 0


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

    async def list(self, page: Page, status: AssetStatus | None = None,
                   location: Location | None = None, search: str | None = None
                   ) -> Sequence[MediaAsset]:
        """Assets, newest first, filtered."""
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
        """Atomically move a pending job to processing for this worker; None if not pending."""
        ...

    async def heartbeat(self, job_id: uuid.UUID, worker_id: str, now: datetime) -> bool:
        """Touch heartbeat_at of a job this worker processes; False when it is no longer its."""
        ...

    async def list(self, page: Page, status: JobStatus | None = None,
                   source_asset_id: uuid.UUID | None = None) -> Sequence[TranscodeJob]:
        """Jobs, newest first, filtered."""
        ...

    async def active_for_asset(self, asset_id: uuid.UUID) -> int:
        """How many pending or processing jobs use the asset as source."""
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


class HealthCheck(Protocol):
    async def check(self) -> None:
        """Return when the component answers; raise InfrastructureError when it does not."""
        ...
