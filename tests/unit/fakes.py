"""In-memory fakes of every port, for unit tests of the use cases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.errors import (
    ConcurrentUpdate,
    Conflict,
    NotFound,
    ProbeError,
    QueueError,
    TranscodeError,
)
from mpr.domain.job import JobStatus, Progress, TranscodeJob
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import StoredObject, TranscodeRequest
from mpr.domain.ports import Dispatch, Page, ProgressCallback, QueueStats
from mpr.domain.preset import TranscodePreset

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

    async def list(self, page: Page, status: AssetStatus | None = None,
                   location: Location | None = None, search: str | None = None
                   ) -> Sequence[MediaAsset]:
        found = [a.copy() for a in self.rows.values()
                 if (status is None or a.status == status)
                 and (location is None or a.location == location)
                 and (search is None or search.lower() in a.filename.lower())]
        found.sort(key=lambda a: (a.created_at, a.id.hex), reverse=True)
        return _window(found, page)


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
        return job.copy()

    async def heartbeat(self, job_id: uuid.UUID, worker_id: str, now: datetime) -> bool:
        job = self.rows.get(job_id)
        if job is None or job.status is not JobStatus.PROCESSING or job.worker_id != worker_id:
            return False
        job.heartbeat_at = now
        return True

    async def list(self, page: Page, status: JobStatus | None = None,
                   source_asset_id: uuid.UUID | None = None) -> Sequence[TranscodeJob]:
        found = [j.copy() for j in self.rows.values()
                 if (status is None or j.status == status)
                 and (source_asset_id is None or j.source_asset_id == source_asset_id)]
        found.sort(key=lambda j: (j.created_at, j.id.hex), reverse=True)
        return _window(found, page)

    async def active_for_asset(self, asset_id: uuid.UUID) -> int:
        return sum(j.source_asset_id == asset_id and j.status.is_active
                   for j in self.rows.values())

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

    def __init__(self, tables: Tables) -> None:
        self._tables = tables

    async def __aenter__(self) -> Self:
        self.assets = FakeAssets(dict(self._tables.assets))
        self.presets = FakePresets(dict(self._tables.presets))
        self.jobs = FakeJobs({k: v.copy() for k, v in self._tables.jobs.items()})
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        return None

    async def commit(self) -> None:
        self._tables.assets = self.assets.rows
        self._tables.presets = self.presets.rows
        self._tables.jobs = self.jobs.rows
        self._tables.commits += 1

    async def rollback(self) -> None:
        return None


class FakeStorage:
    """A media store held in a dict; staging files live in a real temporary directory."""

    kind = "memory"

    def __init__(self, staging: Path, objects: dict[str, bytes] | None = None) -> None:
        self.objects: dict[str, bytes] = dict(objects or {})
        self._staging = staging
        self.deleted: list[str] = []

    async def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        for key, data in sorted(self.objects.items()):
            if key.startswith(prefix):
                yield StoredObject(key, len(data))

    async def stat(self, key: str) -> StoredObject:
        if key not in self.objects:
            raise NotFound("object", key)
        return StoredObject(key, len(self.objects[key]))

    async def exists(self, key: str) -> bool:
        return key in self.objects

    async def read(self, key: str, start: int = 0, end: int | None = None
                   ) -> AsyncIterator[bytes]:
        yield self.objects[key][start:end]

    async def media_locator(self, key: str) -> str:
        return f"memory://{key}"  # unchecked, as the real stores' locators are

    def staging_dir(self) -> Path:
        return self._staging

    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        self.objects[key] = local_path.read_bytes()
        return StoredObject(key, len(self.objects[key]))

    async def delete(self, key: str) -> None:
        self.deleted.append(key)
        self.objects.pop(key, None)

    async def check(self) -> None:
        return None


class FakeProber:
    """Probes by locator: a registered MediaInfo, else a ProbeError."""

    def __init__(self) -> None:
        self.media: dict[str, MediaInfo] = {}

    async def probe(self, locator: str) -> MediaInfo:
        key = locator.removeprefix("memory://")
        if key in self.media:
            return self.media[key]
        if Path(locator).exists():
            return MediaInfo(duration=1.0, container="mp4", video_codec="h264",
                             audio_codec="aac", width=640, height=360)
        raise ProbeError(f"{key}: Invalid data found when processing input")


class FakeTranscoder:
    """Writes the destination, reporting the given progress steps; can fail on demand.

    Given the store its `memory://` sources live in, it fails on a missing one as ffmpeg does."""

    def __init__(self, steps: Sequence[float] = (25.0, 50.0, 100.0),
                 sources: FakeStorage | None = None) -> None:
        self.steps = steps
        self.fail_with: str | None = None
        self.requests: list[TranscodeRequest] = []
        self._sources = sources

    async def transcode(self, request: TranscodeRequest, on_progress: ProgressCallback) -> None:
        self.requests.append(request)
        key = request.source.removeprefix("memory://")
        if self._sources is not None and key not in self._sources.objects:
            raise TranscodeError(f"{request.source}: Server returned 404 Not Found")
        Path(request.destination).write_bytes(b"partial")
        for percent in self.steps:
            await on_progress(Progress(percent=percent, current_time=percent / 10, speed=2.0))
        if self.fail_with is not None:
            Path(request.destination).unlink()
            raise TranscodeError(self.fail_with)
        Path(request.destination).write_bytes(b"encoded:" + request.source.encode())


class FakeQueue:
    def __init__(self) -> None:
        self.dispatched: list[uuid.UUID] = []
        self.cancelled: list[uuid.UUID] = []
        self.broken = False

    async def dispatch(self, job: TranscodeJob) -> Dispatch:
        if self.broken:
            raise QueueError("queue is down")
        self.dispatched.append(job.id)
        return Dispatch(task_id=f"task-{len(self.dispatched)}")

    async def cancel(self, job: TranscodeJob) -> None:
        self.cancelled.append(job.id)

    async def check(self) -> None:
        return None

    async def stats(self) -> QueueStats:
        return QueueStats(depth=len(self.dispatched), workers=1, running=0)


class FakeThumbnails:
    """Records what was asked and 'makes' each thumbnail once as a path under a root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: list[tuple[str, str, float, int]] = []

    async def thumbnail(self, locator: str, cache_key: str, at: float, width: int) -> Path:
        self.made.append((locator, cache_key, at, width))
        return self.root / f"{cache_key}.jpg"
