"""Ports: what the application needs from the outside world, as Protocols."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.events import DomainEvent
from mpr.domain.identity import ApiToken, Deletion, Session, User
from mpr.domain.job import JobStatus, Progress, TranscodeJob
from mpr.domain.media import MediaInfo
from mpr.domain.package import StoredPackage
from mpr.domain.pipeline import (
    MediaSource,
    StoredObject,
    TranscodeOutput,
    TranscodeRequest,
    TranscodeResult,
    TranscodeSpec,
)
from mpr.domain.preset import TranscodePreset
from mpr.domain.storyboard import StoryboardPlan
from mpr.domain.upload import Upload

ProgressCallback = Callable[[Progress], Awaitable[None]]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for intervals."""
        ...


class ObjectReader(Protocol):
    """One opened object: its size and bytes come from that object whatever the key points at
    meanwhile."""

    @property
    def size(self) -> int:
        """The opened object's size in bytes."""
        ...

    def chunks(self, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes from start up to end (exclusive); StorageError if the object changed."""
        ...

    async def close(self) -> None:
        """Release the object; closing twice is harmless."""
        ...


class MediaStorage(Protocol):
    """One media store (input or output); keys are relative '/'-separated paths."""

    kind: str

    def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        """Every object under the prefix, in any order, however many there are."""
        ...

    async def stat(self, key: str) -> StoredObject:
        """The object's size; NotFound when it does not exist, StorageError when it is not
        a plain object (a link, a FIFO, a file with several hard links)."""
        ...

    async def exists(self, key: str) -> bool:
        """True when an object is stored under the key."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The object's bytes from start up to end (exclusive), in chunks, from one open that
        never follows a link and never blocks; NotFound / StorageError as `stat`."""
        ...

    async def open_reader(self, key: str) -> ObjectReader:
        """The object opened once for reading (NotFound / StorageError as `stat`); the caller
        closes the reader."""
        ...

    def open_source(self, key: str) -> AbstractAsyncContextManager[MediaSource]:
        """The object opened for ffmpeg/ffprobe for the block's duration (NotFound / StorageError
        as `stat`); a remote store yields a URL for that object alone without a round trip."""
        ...

    def staging_dir(self) -> Path:
        """A local directory for outputs being written, from which put_file moves cheaply."""
        ...

    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        """Store a copy of a finished local file under the key atomically (the key appears
        only complete); Conflict when an object is already there (it is never replaced).
        The local file is left in place for the caller to read or remove."""
        ...

    async def put_package(self, main_key: str, staged: Path) -> StoredPackage:
        """Store the package main_key heads from a staging area (a local directory holding its
        objects at their paths relative to the prefix): every other object first, the main
        object last, so readers never see the main object before the rest. Conflict when an
        object is already under the prefix (nothing is replaced); RefusedObject when the area
        holds anything but plain files (a link, a FIFO, a file with several hard links),
        ValidationError for a path that escapes the prefix. On any failure or cancellation,
        what it stored is removed. The staging area is left for the caller."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""
        ...

    async def delete_package(self, prefix: str) -> None:
        """Remove every object of the package at the prefix, its main object first (a
        package of one: that key alone); missing objects are not an error."""
        ...

    async def check(self) -> None:
        """Raise StorageError when the store cannot be reached."""
        ...


class MediaProber(Protocol):
    async def probe(self, source: MediaSource) -> MediaInfo:
        """Media metadata of an opened source; ProbeError when it is not valid media."""
        ...


class ThumbnailMaker(Protocol):
    async def thumbnail(self, source: MediaSource, cache_key: str, at: float, width: int
                        ) -> Path:
        """A JPEG of the frame at `at` seconds, `width` pixels wide, cached under cache_key."""
        ...

    async def sprite(self, source: MediaSource, cache_key: str, plan: StoryboardPlan) -> Path:
        """The storyboard's sprite sheet as the plan cuts it, made in one pass over the video
        and cached under cache_key; TranscodeError when ffmpeg fails."""
        ...


class WaveformMaker(Protocol):
    async def waveform(self, source: MediaSource, cache_key: str, duration: float) -> Path:
        """A JSON file of the first audio stream's peaks (Waveform.to_json), made in one
        decode bounded in time by the media's `duration` and in memory by the peak count,
        cached under cache_key; one decode however many ask at once; TranscodeError when
        ffmpeg fails or finds no audio."""
        ...


class Transcoder(Protocol):
    async def transcode(self, request: TranscodeRequest, on_progress: ProgressCallback
                        ) -> TranscodeResult:
        """Run one encode to request.destination, reporting progress; the encoder's warnings.

        Cancelling the calling task (or an exception from on_progress) stops the encoder
        promptly; TranscodeError carries the reason of a failed encode, TranscodeTimeout
        that of one stopped for making no progress or running too long.
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
    async def dispatch(self, spec: TranscodeSpec, priority: int = 0,
                       previous: Dispatch | None = None) -> Dispatch:
        """Hand a pending job's spec to the workers, higher priority first; a queue whose
        previous dispatch of the job is still live may return it instead of sending again."""
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


class EventChannel(Protocol):
    """Domain events between processes (workers to API servers); delivery is best effort, so
    listeners read the state the event names from the database and keep a slow poll."""

    async def publish(self, event: DomainEvent) -> None:
        """Send the event to every process listening now; QueueError when it cannot be sent."""
        ...

    def listen(self) -> AsyncIterator[DomainEvent]:
        """Events any process publishes from now on, until cancelled; reconnects by itself."""
        ...

    async def close(self) -> None:
        """Release connections; closing twice is harmless."""
        ...


class JobReporter(Protocol):
    """Where a running job reports to: the database locally, a signed callback in the cloud."""

    async def progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        """Record progress; raises JobCancelled when the job was cancelled meanwhile."""
        ...

    async def check_owned(self, job_id: uuid.UUID) -> None:
        """Raise JobCancelled (JobTakenOver) unless this run may still store the job's output."""
        ...

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        """Record the stored output; raises JobCancelled if the job may not complete."""
        ...

    async def failed(self, job_id: uuid.UUID, message: str,
                     warnings: Sequence[str] = ()) -> None:
        """Record that the job failed with the given message (and what the encoder warned)."""
        ...


class JobReporters(Protocol):
    """Hands each run the JobReporter that speaks for its worker (and run) alone."""

    def for_worker(self, worker_id: str, run: int | None = None) -> JobReporter:
        """A reporter whose writes count only while this worker (and run) owns the job."""
        ...


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


class HealthCheck(Protocol):
    async def check(self) -> None:
        """Return when the component answers; raise InfrastructureError when it does not."""
        ...


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert a user; Conflict when the username is taken."""
        ...

    async def get(self, user_id: uuid.UUID) -> User | None:
        """The user with that id, if any."""
        ...

    async def by_name(self, username: str) -> User | None:
        """The user with that username, if any."""
        ...

    async def save(self, user: User) -> None:
        """Replace a stored user by id."""
        ...

    async def delete(self, user_id: uuid.UUID) -> None:
        """Remove the user (its sessions go with it)."""
        ...

    async def list(self) -> Sequence[User]:
        """Every user, by username."""
        ...

    async def count(self) -> int:
        """How many users exist."""
        ...


class TokenRepository(Protocol):
    async def add(self, token: ApiToken) -> None:
        """Insert a token; Conflict when the name is taken."""
        ...

    async def by_hash(self, token_hash: str) -> ApiToken | None:
        """The token whose secret hashes to token_hash, if any."""
        ...

    async def by_name(self, name: str) -> ApiToken | None:
        """The token with that name, if any."""
        ...

    async def touch(self, token_id: uuid.UUID, used_at: datetime) -> None:
        """Record when the token was last used."""
        ...

    async def delete(self, token_id: uuid.UUID) -> None:
        """Remove the token: it is refused from then on."""
        ...

    async def list(self) -> Sequence[ApiToken]:
        """Every token, by name."""
        ...

    async def count(self) -> int:
        """How many tokens exist."""
        ...


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None:
        """Insert a new session."""
        ...

    async def get(self, id_hash: str) -> Session | None:
        """The session with that id hash, if any."""
        ...

    async def touch(self, id_hash: str, seen_at: datetime) -> None:
        """Record that the session was used."""
        ...

    async def delete(self, id_hash: str) -> None:
        """End one session; a missing one is not an error."""
        ...

    async def delete_for_user(self, user_id: uuid.UUID) -> None:
        """End every session of a user."""
        ...


class DeletionRepository(Protocol):
    async def add(self, deletion: Deletion) -> None:
        """Record a deletion."""
        ...

    async def list(self, limit: int) -> Sequence[Deletion]:
        """The latest deletions, newest first."""
        ...


class AccessUnitOfWork(Protocol):
    """One transaction over users, tokens, sessions and the deletion record; leaving without
    commit rolls back."""

    users: UserRepository
    tokens: TokenRepository
    sessions: SessionRepository
    deletions: DeletionRepository

    async def __aenter__(self) -> Self:
        ...

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        ...

    async def commit(self) -> None:
        """Make the changes of this unit durable."""
        ...


AccessUnitOfWorkFactory = Callable[[], AccessUnitOfWork]


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str:
        """A salted, slow hash of the password (off the event loop)."""
        ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches the hash; never raises for a mismatch."""
        ...


class UploadStaging(Protocol):
    """Where uploads accumulate on local disk until their last byte (one file + a record each);
    safe to share between processes."""

    async def create(self, upload: Upload) -> None:
        """Record a new, empty upload; StorageError when the disk has no room for its length."""
        ...

    async def get(self, upload_id: uuid.UUID) -> Upload:
        """The upload's record; NotFound when unknown."""
        ...

    async def append(self, upload_id: uuid.UUID, offset: int, chunks: AsyncIterator[bytes],
                     checksum: tuple[str, bytes] | None = None) -> Upload:
        """Write the chunks at offset, one writer at a time, and record the new offset: what
        arrived before a broken connection is kept. OffsetMismatch when offset is not the
        upload's (or another request writes it), UploadTooLarge past its length,
        ChecksumMismatch (nothing kept) when (algorithm, digest) does not match the bytes,
        StorageError (nothing of this call kept) when the disk is full or failing."""
        ...

    async def save(self, upload: Upload) -> None:
        """Replace the upload's record."""
        ...

    def open_source(self, upload_id: uuid.UUID) -> AbstractAsyncContextManager[MediaSource]:
        """The staged bytes opened for ffprobe, for the block's duration."""
        ...

    def path(self, upload_id: uuid.UUID) -> Path:
        """The local file holding the staged bytes (for MediaStorage.put_file)."""
        ...

    async def discard_bytes(self, upload_id: uuid.UUID) -> None:
        """Remove the staged bytes, keeping the record."""
        ...

    async def remove(self, upload_id: uuid.UUID) -> None:
        """Remove the upload's bytes and record; a missing upload is not an error."""
        ...

    async def all(self) -> Sequence[Upload]:
        """Every recorded upload, in any order."""
        ...


class StoreChanges(Protocol):
    def changes(self) -> AsyncIterator[set[str]]:
        """Batches of keys created or modified in a store, as it notices them, until
        cancelled (hidden entries are left out)."""
        ...
