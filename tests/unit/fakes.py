"""In-memory fakes of every port, for unit tests of the use cases."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar

from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.errors import (
    ConcurrentUpdate,
    Conflict,
    NotFound,
    ProbeError,
    QueueError,
    RefusedObject,
    TranscodeError,
)
from mpr.domain.identity import ApiToken, Deletion, Session, User
from mpr.domain.job import JobStatus, Progress, TranscodeJob
from mpr.domain.media import MediaInfo
from mpr.domain.package import Package, StoredPackage, is_folder_prefix, package_prefix
from mpr.domain.pipeline import (
    MediaSource,
    StoredObject,
    TranscodeOutput,
    TranscodeRequest,
    TranscodeResult,
    TranscodeSpec,
)
from mpr.domain.ports import (
    AccessUnitOfWork,
    AccessUnitOfWorkFactory,
    AssetEntry,
    AssetRepository,
    Clock,
    DeletionRepository,
    Dispatch,
    HealthCheck,
    JobQueue,
    JobReporter,
    JobRepository,
    MediaProber,
    MediaStorage,
    ObjectReader,
    Page,
    PasswordHasher,
    PresetRepository,
    ProgressCallback,
    QueueStats,
    SessionRepository,
    ThumbnailMaker,
    TokenRepository,
    Transcoder,
    UnitOfWork,
    UnitOfWorkFactory,
    UserRepository,
    WaveformMaker,
)
from mpr.domain.preset import TranscodePreset
from mpr.domain.storyboard import StoryboardPlan

T = TypeVar("T")


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        self.ticks = 0.0

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.ticks

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
        self.ticks += seconds


class Tables:
    """The committed state shared by every FakeUnitOfWork of one test."""

    def __init__(self) -> None:
        self.assets: dict[uuid.UUID, MediaAsset] = {}
        self.presets: dict[uuid.UUID, TranscodePreset] = {}
        self.jobs: dict[uuid.UUID, TranscodeJob] = {}
        self.commits = 0


def _window(items: list[T], page: Page) -> list[T]:
    return items[page.offset:page.offset + page.limit]


class FakeAssets:
    def __init__(self, rows: dict[uuid.UUID, MediaAsset]) -> None:
        self.rows = rows

    async def add(self, asset: MediaAsset) -> None:
        if any(a.file_path == asset.file_path and a.location == asset.location
               for a in self.rows.values()):
            raise Conflict(f"{asset.file_path} already registered")
        self.rows[asset.id] = asset.copy()

    async def get(self, asset_id: uuid.UUID) -> MediaAsset:
        if asset_id not in self.rows:
            raise NotFound("asset", asset_id)
        return self.rows[asset_id].copy()

    async def save(self, asset: MediaAsset) -> None:
        self.rows[asset.id] = asset.copy()

    async def delete(self, asset_id: uuid.UUID) -> None:
        self.rows.pop(asset_id, None)

    async def known_paths(self, location: Location) -> set[str]:
        return {a.file_path for a in self.rows.values() if a.location == location}

    async def inventory(self, location: Location) -> Sequence[AssetEntry]:
        return [AssetEntry(a.id, a.file_path, a.file_size, a.status)
                for a in self.rows.values() if a.location == location]

    async def list(self, page: Page, status: AssetStatus | None = None,
                   location: Location | None = None, search: str | None = None
                   ) -> Sequence[MediaAsset]:
        found = [a.copy() for a in self.rows.values()
                 if (status is None or a.status == status)
                 and (location is None or a.location == location)
                 and (search is None or search.lower() in a.filename.lower())]
        found.sort(key=lambda a: (a.created_at, a.id.hex), reverse=True)
        return _window(found, page)

    async def many(self, asset_ids: Collection[uuid.UUID]) -> Sequence[MediaAsset]:
        return [self.rows[i].copy() for i in set(asset_ids) if i in self.rows]


class FakePresets:
    def __init__(self, rows: dict[uuid.UUID, TranscodePreset]) -> None:
        self.rows = rows

    async def add(self, preset: TranscodePreset) -> None:
        if any(p.name == preset.name for p in self.rows.values()):
            raise Conflict(f"preset {preset.name} exists")
        self.rows[preset.id] = preset

    async def get(self, preset_id: uuid.UUID) -> TranscodePreset:
        if preset_id not in self.rows:
            raise NotFound("preset", preset_id)
        return self.rows[preset_id]

    async def get_by_name(self, name: str) -> TranscodePreset | None:
        return next((p for p in self.rows.values() if p.name == name), None)

    async def save(self, preset: TranscodePreset) -> None:
        self.rows[preset.id] = preset

    async def delete(self, preset_id: uuid.UUID) -> None:
        self.rows.pop(preset_id, None)

    async def list(self, page: Page) -> Sequence[TranscodePreset]:
        ordered = sorted(self.rows.values(), key=lambda p: (not p.is_builtin, p.name))
        return _window(ordered, page)


class FakeJobs:
    def __init__(self, rows: dict[uuid.UUID, TranscodeJob]) -> None:
        self.rows = rows

    async def add(self, job: TranscodeJob) -> None:
        self.rows[job.id] = replace(job, version=1)

    async def get(self, job_id: uuid.UUID) -> TranscodeJob:
        if job_id not in self.rows:
            raise NotFound("job", job_id)
        return self.rows[job_id].copy()

    async def save(self, job: TranscodeJob) -> None:
        if job.id in self.rows and self.rows[job.id].version != job.version:
            raise ConcurrentUpdate(f"job {job.id} changed since it was read")
        job.version += 1
        self.rows[job.id] = job.copy()

    async def claim(self, job_id: uuid.UUID, worker_id: str, now: datetime
                    ) -> TranscodeJob | None:
        job = self.rows.get(job_id)
        if job is None or job.status is not JobStatus.PENDING:
            return None
        job.start(now, worker_id)
        job.version += 1
        claimed = job.copy()
        claimed.record_started()
        return claimed

    async def heartbeat(self, job_id: uuid.UUID, worker_id: str, now: datetime) -> bool:
        job = self.rows.get(job_id)
        if job is None or job.status is not JobStatus.PROCESSING or job.worker_id != worker_id:
            return False
        job.heartbeat_at = now
        return True

    async def list(self, page: Page, status: JobStatus | None = None,
                   source_asset_id: uuid.UUID | None = None,
                   output_asset_id: uuid.UUID | None = None) -> Sequence[TranscodeJob]:
        found = [j.copy() for j in self.rows.values()
                 if (status is None or j.status == status)
                 and (source_asset_id is None or j.source_asset_id == source_asset_id)
                 and (output_asset_id is None or j.output_asset_id == output_asset_id)]
        found.sort(key=lambda j: (j.created_at, j.id.hex), reverse=True)
        return _window(found, page)

    async def in_batch(self, batch_id: uuid.UUID) -> Sequence[TranscodeJob]:
        found = [j.copy() for j in self.rows.values() if j.batch_id == batch_id]
        return sorted(found, key=lambda j: (j.created_at, j.id.hex))

    async def active_for_asset(self, asset_id: uuid.UUID) -> int:
        return sum(j.source_asset_id == asset_id and j.status.is_active
                   for j in self.rows.values())

    async def delete_ended(self, statuses: Collection[JobStatus]) -> int:
        gone = [k for k, j in self.rows.items() if j.status in statuses and not j.status.is_active]
        for key in gone:
            del self.rows[key]
        return len(gone)

    async def output_path_taken(self, output_path: str) -> bool:
        return any(j.output_path == output_path and j.status in
                   (JobStatus.PENDING, JobStatus.PROCESSING, JobStatus.COMPLETED)
                   for j in self.rows.values())

    async def pending_ids(self) -> Sequence[uuid.UUID]:
        pending = [j for j in self.rows.values() if j.status is JobStatus.PENDING]
        pending.sort(key=lambda j: (-j.priority, j.created_at))
        return [j.id for j in pending]

    async def stale_processing(self, heartbeat_before: datetime) -> Sequence[TranscodeJob]:
        return [j.copy() for j in self.rows.values() if j.status is JobStatus.PROCESSING
                and (j.heartbeat_at is None or j.heartbeat_at < heartbeat_before)]


class FakeUnitOfWork:
    """Works on copies of the tables; commit publishes them, leaving without it drops them."""

    assets: AssetRepository
    presets: PresetRepository
    jobs: JobRepository

    def __init__(self, tables: Tables) -> None:
        self._tables = tables

    async def __aenter__(self) -> Self:
        self._assets = FakeAssets(dict(self._tables.assets))
        self._presets = FakePresets(dict(self._tables.presets))
        self._jobs = FakeJobs({k: v.copy() for k, v in self._tables.jobs.items()})
        self.assets, self.presets, self.jobs = self._assets, self._presets, self._jobs
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        return None

    async def commit(self) -> None:
        self._tables.assets = self._assets.rows
        self._tables.presets = self._presets.rows
        self._tables.jobs = self._jobs.rows
        self._tables.commits += 1

    async def rollback(self) -> None:
        return None


class FakeReader:
    """An opened object: a snapshot of its bytes, whatever the store holds later."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.size = len(data)
        self.closed = False

    async def chunks(self, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        yield self._data[start:end]

    async def close(self) -> None:
        self.closed = True


class FakeStorage:
    """A media store held in a dict; staging files live in a real temporary directory.

    Keys in `refused` stand for objects a real store will not read (links, FIFOs...)."""

    kind = "memory"

    def __init__(self, staging: Path, objects: dict[str, bytes] | None = None) -> None:
        self.objects: dict[str, bytes] = dict(objects or {})
        self.refused: set[str] = set()
        self._staging = staging
        self.deleted: list[str] = []
        self.open_sources: set[str] = set()

    async def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        for key, data in sorted(self.objects.items()):
            if key.startswith(prefix):
                yield StoredObject(key, len(data))

    async def stat(self, key: str) -> StoredObject:
        self._check(key)
        return StoredObject(key, len(self.objects[key]))

    def _check(self, key: str) -> None:
        if key in self.refused:
            raise RefusedObject(f"{key!r} is refused: it is not a regular file (a FIFO)")
        if key not in self.objects:
            raise NotFound("object", key)

    async def exists(self, key: str) -> bool:
        return key in self.objects

    async def read(self, key: str, start: int = 0, end: int | None = None
                   ) -> AsyncIterator[bytes]:
        self._check(key)
        yield self.objects[key][start:end]

    async def open_reader(self, key: str) -> FakeReader:
        self._check(key)
        return FakeReader(self.objects[key])

    @contextlib.asynccontextmanager
    async def open_source(self, key: str) -> AsyncIterator[MediaSource]:
        """Unchecked for a missing key, as S3's presigned URLs are; refused keys are refused."""
        if key in self.refused:
            self._check(key)
        self.open_sources.add(key)
        try:
            yield MediaSource(locator=f"memory://{key}", name=key)
        finally:
            self.open_sources.discard(key)

    def staging_dir(self) -> Path:
        return self._staging

    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        if key in self.objects:
            raise Conflict(f"output {key!r} already exists in the store")
        self.objects[key] = local_path.read_bytes()
        return StoredObject(key, len(self.objects[key]))

    async def put_package(self, main_key: str, staged: Path) -> StoredPackage:
        """Every staged file, the main one last; nothing when the prefix is taken."""
        paths = [p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()]
        package = Package.staged(main_key, paths)
        taken = (any(key.startswith(package.prefix) for key in self.objects)
                 if is_folder_prefix(package.prefix) else main_key in self.objects)
        if taken:
            raise Conflict(f"output {package.prefix!r} already exists in the store")
        for key in package.member_keys:
            self.objects[key] = (staged / package.staged_path(key)).read_bytes()
        return StoredPackage(package, tuple(
            StoredObject(key, len(self.objects[key])) for key in package.member_keys))

    async def delete(self, key: str) -> None:
        self.deleted.append(key)
        self.objects.pop(key, None)

    async def delete_package(self, main_key: str) -> None:
        """The main key is noted in `deleted`; the other members go with it."""
        await self.delete(main_key)
        prefix = package_prefix(main_key)
        if is_folder_prefix(prefix):
            for key in [k for k in self.objects if k.startswith(prefix)]:
                self.objects.pop(key)

    async def check(self) -> None:
        return None


class FakeProber:
    """Probes by locator: a registered MediaInfo, else a ProbeError.

    A local file (an output in staging) is `file_media`: H.264/AAC of unknown length unless a
    test sets one, so only the tests about the output check meet it."""

    def __init__(self) -> None:
        self.media: dict[str, MediaInfo] = {}
        self.file_media = MediaInfo(duration=None, container="mp4", video_codec="h264",
                                    audio_codec="aac", width=640, height=360)

    async def probe(self, source: MediaSource, complete: Awaitable[None] | None = None
                    ) -> MediaInfo:
        if complete is not None:
            await complete
        locator = source.locator
        key = locator.removeprefix("memory://")
        if key in self.media:
            return self.media[key]
        if Path(locator).exists():
            return self.file_media
        raise ProbeError(f"{key}: Invalid data found when processing input")


class FakeTranscoder:
    """Writes the destination, reporting the given progress steps; can fail on demand.

    Given the store its `memory://` sources live in, it fails on a missing one as ffmpeg does."""

    def __init__(self, steps: Sequence[float] = (25.0, 50.0, 100.0),
                 sources: FakeStorage | None = None) -> None:
        self.steps = steps
        self.fail_with: str | None = None
        self.warnings: tuple[str, ...] = ()
        self.requests: list[TranscodeRequest] = []
        self._sources = sources

    async def transcode(self, request: TranscodeRequest, on_progress: ProgressCallback
                        ) -> TranscodeResult:
        self.requests.append(request)
        key = request.source.locator.removeprefix("memory://")
        if self._sources is not None and key not in self._sources.objects:
            raise TranscodeError(f"{request.source.locator}: Server returned 404 Not Found")
        Path(request.destination).write_bytes(b"partial")
        for percent in self.steps:
            await on_progress(Progress(percent=percent, current_time=percent / 10, speed=2.0))
        if self.fail_with is not None:
            Path(request.destination).unlink()
            raise TranscodeError(self.fail_with)
        Path(request.destination).write_bytes(b"encoded:" + request.source.locator.encode())
        return TranscodeResult(self.warnings)


class FakeQueue:
    def __init__(self) -> None:
        self.dispatched: list[uuid.UUID] = []
        self.cancelled: list[uuid.UUID] = []
        self.broken = False

    async def dispatch(self, spec: TranscodeSpec, priority: int = 0,
                       previous: Dispatch | None = None) -> Dispatch:
        if self.broken:
            raise QueueError("queue is down")
        self.dispatched.append(spec.job_id)
        return Dispatch(task_id=f"task-{len(self.dispatched)}")

    async def cancel(self, job: TranscodeJob) -> None:
        self.cancelled.append(job.id)

    async def check(self) -> None:
        return None

    async def stats(self) -> QueueStats:
        return QueueStats(depth=len(self.dispatched), workers=1, running=0)


class RecordingReporter:
    """A JobReporter that keeps what it was told: the progress, the output or the failure."""

    def __init__(self) -> None:
        self.progressed: list[Progress] = []
        self.output: TranscodeOutput | None = None
        self.failure: str | None = None
        self.warnings: tuple[str, ...] = ()

    async def progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        self.progressed.append(progress)

    async def check_owned(self, job_id: uuid.UUID) -> None:
        return None

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        self.output = output

    async def failed(self, job_id: uuid.UUID, message: str,
                     warnings: Sequence[str] = ()) -> None:
        self.failure = message
        self.warnings = tuple(warnings)


ProgressReport = Callable[[uuid.UUID, Progress], Awaitable[None]]
CompletedReport = Callable[[uuid.UUID, TranscodeOutput], Awaitable[None]]


class SpyReporter:
    """A JobReporter that hands each report to a real one, recording it on the way.

    A test may stand in for a report with `on_progress` / `on_completed` (to look at the
    state it leaves, or to raise what the real reporter would: JobCancelled, JobTakenOver);
    `inner` is there to pass the report on. Binding it to a worker returns the spy itself."""

    def __init__(self, inner: JobReporter) -> None:
        self.inner = inner
        self.reports: list[str] = []
        self.bound: list[tuple[str, int | None]] = []
        self.on_progress: ProgressReport | None = None
        self.on_completed: CompletedReport | None = None

    def for_worker(self, worker_id: str, run: int | None = None) -> SpyReporter:
        self.bound.append((worker_id, run))
        return self

    async def progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        self.reports.append("progress")
        await (self.on_progress or self.inner.progress)(job_id, progress)

    async def check_owned(self, job_id: uuid.UUID) -> None:
        self.reports.append("check_owned")
        await self.inner.check_owned(job_id)

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        self.reports.append("completed")
        await (self.on_completed or self.inner.completed)(job_id, output)

    async def failed(self, job_id: uuid.UUID, message: str,
                     warnings: Sequence[str] = ()) -> None:
        self.reports.append("failed")
        await self.inner.failed(job_id, message, warnings)


class FakeThumbnails:
    """Records what was asked and 'makes' each thumbnail once as a path under a root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: list[tuple[str, str, float, int]] = []

    async def thumbnail(self, source: MediaSource, cache_key: str, at: float, width: int
                        ) -> Path:
        self.made.append((source.locator, cache_key, at, width))
        return self.root / f"{cache_key}.jpg"

    async def sprite(self, source: MediaSource, cache_key: str, plan: StoryboardPlan) -> Path:
        self.made.append((source.locator, cache_key, plan.duration, plan.tile_width))
        return self.root / f"{cache_key}.jpg"


class FakeWaveforms:
    """Records what was asked and 'makes' each waveform as a path under a root; `failure`,
    when set, is raised instead (ffmpeg's refusal)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: list[tuple[str, str, float]] = []
        self.failure: Exception | None = None

    async def waveform(self, source: MediaSource, cache_key: str, duration: float) -> Path:
        if self.failure is not None:
            raise self.failure
        self.made.append((source.locator, cache_key, duration))
        return self.root / f"{cache_key}.json"


class AccessTables:
    """Committed users, tokens and sessions shared by every FakeAccessUnitOfWork of a test."""

    def __init__(self) -> None:
        self.users: dict[uuid.UUID, User] = {}
        self.tokens: dict[uuid.UUID, ApiToken] = {}
        self.sessions: dict[str, Session] = {}
        self.deletions: list[Deletion] = []


class FakeUsers:
    def __init__(self, rows: dict[uuid.UUID, User]) -> None:
        self.rows = rows

    async def add(self, user: User) -> None:
        if await self.by_name(user.username):
            raise Conflict(f"user {user.username} already exists")
        self.rows[user.id] = replace(user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        found = self.rows.get(user_id)
        return replace(found) if found else None

    async def by_name(self, username: str) -> User | None:
        return next((replace(u) for u in self.rows.values() if u.username == username), None)

    async def save(self, user: User) -> None:
        self.rows[user.id] = replace(user)

    async def delete(self, user_id: uuid.UUID) -> None:
        self.rows.pop(user_id, None)

    async def list(self) -> Sequence[User]:
        return sorted(self.rows.values(), key=lambda u: u.username)

    async def count(self) -> int:
        return len(self.rows)


class FakeTokens:
    def __init__(self, rows: dict[uuid.UUID, ApiToken]) -> None:
        self.rows = rows

    async def add(self, token: ApiToken) -> None:
        if await self.by_name(token.name):
            raise Conflict(f"token {token.name} already exists")
        self.rows[token.id] = replace(token)

    async def by_hash(self, token_hash: str) -> ApiToken | None:
        return next((replace(t) for t in self.rows.values() if t.token_hash == token_hash), None)

    async def by_name(self, name: str) -> ApiToken | None:
        return next((replace(t) for t in self.rows.values() if t.name == name), None)

    async def touch(self, token_id: uuid.UUID, used_at: datetime) -> None:
        self.rows[token_id] = replace(self.rows[token_id], last_used_at=used_at)

    async def delete(self, token_id: uuid.UUID) -> None:
        self.rows.pop(token_id, None)

    async def list(self) -> Sequence[ApiToken]:
        return sorted(self.rows.values(), key=lambda t: t.name)

    async def count(self) -> int:
        return len(self.rows)


class FakeSessions:
    def __init__(self, rows: dict[str, Session]) -> None:
        self.rows = rows

    async def add(self, session: Session) -> None:
        self.rows[session.id_hash] = replace(session)

    async def get(self, id_hash: str) -> Session | None:
        found = self.rows.get(id_hash)
        return replace(found) if found else None

    async def touch(self, id_hash: str, seen_at: datetime) -> None:
        if id_hash in self.rows:
            self.rows[id_hash] = replace(self.rows[id_hash], last_seen_at=seen_at)

    async def delete(self, id_hash: str) -> None:
        self.rows.pop(id_hash, None)

    async def delete_for_user(self, user_id: uuid.UUID) -> None:
        for key in [k for k, s in self.rows.items() if s.user_id == user_id]:
            del self.rows[key]


class FakeDeletions:
    def __init__(self, rows: list[Deletion]) -> None:
        self.rows = rows

    async def add(self, deletion: Deletion) -> None:
        self.rows.append(deletion)

    async def list(self, limit: int) -> Sequence[Deletion]:
        return sorted(self.rows, key=lambda d: d.deleted_at, reverse=True)[:limit]


class FakeAccessUnitOfWork:
    """Works on copies of the access tables; commit publishes them."""

    users: UserRepository
    tokens: TokenRepository
    sessions: SessionRepository
    deletions: DeletionRepository

    def __init__(self, tables: AccessTables) -> None:
        self._tables = tables

    async def __aenter__(self) -> Self:
        self._users = FakeUsers(dict(self._tables.users))
        self._tokens = FakeTokens(dict(self._tables.tokens))
        self._sessions = FakeSessions(dict(self._tables.sessions))
        self._deletions = FakeDeletions(list(self._tables.deletions))
        self.users, self.tokens = self._users, self._tokens
        self.sessions, self.deletions = self._sessions, self._deletions
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        return None

    async def commit(self) -> None:
        self._tables.users = dict(self._users.rows)
        self._tables.tokens = dict(self._tokens.rows)
        self._tables.sessions = dict(self._sessions.rows)
        self._tables.deletions = list(self._deletions.rows)


class FakeHasher:
    """A reversible 'hash' that is fast; it records how many verifications ran."""

    def __init__(self) -> None:
        self.verified = 0

    async def hash(self, password: str) -> str:
        return f"fake${password[::-1]}"

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return password_hash == f"fake${password[::-1]}"


if TYPE_CHECKING:  # each fake against its port: a port change a fake misses fails mypy
    _tables, _access = Tables(), AccessTables()
    _clock: Clock = FakeClock()
    _assets: AssetRepository = FakeAssets({})
    _presets: PresetRepository = FakePresets({})
    _jobs: JobRepository = FakeJobs({})
    _uow: UnitOfWork = FakeUnitOfWork(_tables)
    _uow_factory: UnitOfWorkFactory = lambda: FakeUnitOfWork(_tables)  # noqa: E731
    _reader: ObjectReader = FakeReader(b"")
    _storage: MediaStorage = FakeStorage(Path())
    _prober: MediaProber = FakeProber()
    _transcoder: Transcoder = FakeTranscoder()
    _queue: JobQueue = FakeQueue()
    _checked: list[HealthCheck] = [FakeStorage(Path()), FakeQueue()]
    _recording: JobReporter = RecordingReporter()
    _spy: JobReporter = SpyReporter(RecordingReporter())
    _thumbnails: ThumbnailMaker = FakeThumbnails(Path())
    _waveforms: WaveformMaker = FakeWaveforms(Path())
    _users: UserRepository = FakeUsers({})
    _tokens: TokenRepository = FakeTokens({})
    _sessions: SessionRepository = FakeSessions({})
    _deletions: DeletionRepository = FakeDeletions([])
    _access_uow: AccessUnitOfWork = FakeAccessUnitOfWork(_access)
    _access_factory: AccessUnitOfWorkFactory = lambda: FakeAccessUnitOfWork(_access)  # noqa: E731
    _hasher: PasswordHasher = FakeHasher()
