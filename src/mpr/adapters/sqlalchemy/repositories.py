"""Repositories over an AsyncSession, implementing the ports in mpr.domain.ports."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mpr.adapters.sqlalchemy import mapping
from mpr.adapters.sqlalchemy.engine import db_errors
from mpr.adapters.sqlalchemy.models import AssetRow, Base, JobRow, PresetRow
from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.errors import ConcurrentUpdate, Conflict, NotFound
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.domain.ports import AssetEntry, Page
from mpr.domain.preset import TranscodePreset

RowT = TypeVar("RowT", bound=Base)
_ACTIVE = (JobStatus.PENDING.value, JobStatus.PROCESSING.value)
_OUTPUT_HELD = (*_ACTIVE, JobStatus.COMPLETED.value)


class _SqlRepository:
    """What every repository shares: a session, lookups by id, paging."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # The session's identity map holds rows weakly; holding them here lets a save after
        # a get (read-modify-write) reuse the row instead of SELECTing it again.
        self._held: list[Base] = []

    async def _row(self, model: type[RowT], kind: str, ident: uuid.UUID) -> RowT:
        with db_errors():
            row = await self._session.get(model, ident)
        if row is None:
            raise NotFound(kind, ident)
        self._held.append(row)
        return row

    async def _insert(self, row: Base, conflict: str) -> None:
        self._session.add(row)
        with db_errors(conflict):
            await self._session.flush()

    async def _delete(self, model: type[Base], kind: str, ident: uuid.UUID) -> None:
        with db_errors(f"{kind} {ident} is still referenced"):
            row = await self._session.get(model, ident)
            if row is not None:
                await self._session.delete(row)
                await self._session.flush()

    async def _page(self, query: Select[RowT], page: Page) -> Sequence[RowT]:
        with db_errors():
            result = await self._session.scalars(query.limit(page.limit).offset(page.offset))
            return result.all()

    async def _exists(self, *where: ColumnElement[bool]) -> bool:
        with db_errors():
            return bool(await self._session.scalar(select(exists().where(*where))))


class SqlAssetRepository(_SqlRepository):
    """Media assets in the media_assets table."""

    async def add(self, asset: MediaAsset) -> None:
        """Insert a new asset; Conflict when its store key is already registered."""
        message = f"{asset.location.value} file {asset.file_path!r} is already registered"
        if await self._exists(AssetRow.location == asset.location.value,
                              AssetRow.file_path == asset.file_path):
            raise Conflict(message)
        await self._insert(mapping.asset_to_row(asset), message)

    async def get(self, asset_id: uuid.UUID) -> MediaAsset:
        """The asset; NotFound when unknown."""
        return mapping.asset_from_row(await self._row(AssetRow, "asset", asset_id))

    async def save(self, asset: MediaAsset) -> None:
        """Write back every field of the asset."""
        row = await self._row(AssetRow, "asset", asset.id)
        mapping.update_asset_row(row, asset)
        with db_errors(f"{asset.location.value} file {asset.file_path!r} is already registered"):
            await self._session.flush()

    async def delete(self, asset_id: uuid.UUID) -> None:
        """Remove the asset record and its jobs; nothing happens when it is unknown."""
        await self._delete(AssetRow, "asset", asset_id)

    async def known_paths(self, location: Location) -> set[str]:
        """Store keys already registered in a location."""
        query = select(AssetRow.file_path).where(AssetRow.location == location.value)
        with db_errors():
            return set((await self._session.scalars(query)).all())

    async def inventory(self, location: Location) -> Sequence[AssetEntry]:
        """Every asset registered in a location, as (id, key, size, status), in any order."""
        query = (select(AssetRow.id, AssetRow.file_path, AssetRow.file_size, AssetRow.status)
                 .where(AssetRow.location == location.value))
        with db_errors():
            rows = (await self._session.execute(query)).all()
        return [AssetEntry(row.id, row.file_path, row.file_size, AssetStatus(row.status))
                for row in rows]

    async def list(self, page: Page, status: AssetStatus | None = None,
                   location: Location | None = None, search: str | None = None
                   ) -> Sequence[MediaAsset]:
        """Assets, newest first, filtered; search is a case-insensitive filename substring."""
        query = select(AssetRow).order_by(AssetRow.created_at.desc(), AssetRow.id.desc())
        if status is not None:
            query = query.where(AssetRow.status == status.value)
        if location is not None:
            query = query.where(AssetRow.location == location.value)
        if search:
            query = query.where(func.lower(AssetRow.filename).contains(search.lower(),
                                                                       autoescape=True))
        return [mapping.asset_from_row(row) for row in await self._page(query, page)]

    async def many(self, asset_ids: Collection[uuid.UUID]) -> Sequence[MediaAsset]:
        """The known assets among these ids, in one query."""
        if not asset_ids:
            return []
        query = select(AssetRow).where(AssetRow.id.in_(list(asset_ids)))
        with db_errors():
            rows = (await self._session.scalars(query)).all()
        return [mapping.asset_from_row(row) for row in rows]


class SqlPresetRepository(_SqlRepository):
    """Transcode presets in the transcode_presets table."""

    async def add(self, preset: TranscodePreset) -> None:
        """Insert a preset; Conflict when the name is taken."""
        message = f"a preset named {preset.name!r} already exists"
        if await self._exists(PresetRow.name == preset.name):
            raise Conflict(message)
        await self._insert(mapping.preset_to_row(preset), message)

    async def get(self, preset_id: uuid.UUID) -> TranscodePreset:
        """The preset; NotFound when unknown."""
        return mapping.preset_from_row(await self._row(PresetRow, "preset", preset_id))

    async def get_by_name(self, name: str) -> TranscodePreset | None:
        """The preset with that name, if any."""
        with db_errors():
            row = await self._session.scalar(select(PresetRow).where(PresetRow.name == name))
        return None if row is None else mapping.preset_from_row(row)

    async def save(self, preset: TranscodePreset) -> None:
        """Replace a stored preset by id; Conflict when renamed onto a taken name."""
        row = await self._row(PresetRow, "preset", preset.id)
        mapping.update_preset_row(row, preset)
        with db_errors(f"a preset named {preset.name!r} already exists"):
            await self._session.flush()

    async def delete(self, preset_id: uuid.UUID) -> None:
        """Remove a preset (jobs keep their snapshot); nothing happens when it is unknown."""
        await self._delete(PresetRow, "preset", preset_id)

    async def list(self, page: Page) -> Sequence[TranscodePreset]:
        """Presets, builtin first, then by name."""
        query = select(PresetRow).order_by(PresetRow.is_builtin.desc(), PresetRow.name)
        return [mapping.preset_from_row(row) for row in await self._page(query, page)]


class SqlJobRepository(_SqlRepository):
    """Transcode jobs in the transcode_jobs table."""

    async def add(self, job: TranscodeJob) -> None:
        """Insert a new job; Conflict when the id is taken or the source asset is unknown."""
        await self._insert(mapping.job_to_row(job), f"job {job.id} cannot be stored")

    async def get(self, job_id: uuid.UUID) -> TranscodeJob:
        """The job; NotFound when unknown."""
        return mapping.job_from_row(await self._row(JobRow, "job", job_id))

    async def save(self, job: TranscodeJob) -> None:
        """Write back every field; ConcurrentUpdate when the row changed since job was read."""
        row = await self._row(JobRow, "job", job.id)
        if row.version != job.version:
            raise ConcurrentUpdate(f"job {job.id} was changed by someone else; read it again")
        mapping.update_job_row(row, job)
        with db_errors(f"job {job.id} cannot be stored"):
            await self._session.flush()  # the UPDATE checks the version too (a racing writer)
        job.version = row.version

    async def claim(self, job_id: uuid.UUID, worker_id: str, now: datetime) -> TranscodeJob | None:
        """Atomically move a pending job to processing for this worker; None if not pending."""
        query = (update(JobRow)
                 .where(JobRow.id == job_id, JobRow.status == JobStatus.PENDING.value)
                 .values(**_started(worker_id, now))
                 .returning(JobRow)
                 .execution_options(synchronize_session=False, populate_existing=True))
        with db_errors():
            row = (await self._session.scalars(query)).one_or_none()
        if row is None:
            return None
        job = mapping.job_from_row(row)
        job.record_started()
        return job

    async def heartbeat(self, job_id: uuid.UUID, worker_id: str, now: datetime) -> bool:
        """Touch heartbeat_at only (no version bump); False when the job is no longer this
        worker's (cancelled, finished, or requeued and claimed by another worker)."""
        query = (update(JobRow)
                 .where(JobRow.id == job_id, JobRow.status == JobStatus.PROCESSING.value,
                        JobRow.worker_id == worker_id)
                 .values(heartbeat_at=now)
                 .returning(JobRow.id)
                 .execution_options(synchronize_session=False))
        with db_errors():
            return (await self._session.scalars(query)).one_or_none() is not None

    async def list(self, page: Page, status: JobStatus | None = None,
                   source_asset_id: uuid.UUID | None = None,
                   output_asset_id: uuid.UUID | None = None) -> Sequence[TranscodeJob]:
        """Jobs, newest first, filtered (by an output asset: the job that made it)."""
        query = select(JobRow).order_by(JobRow.created_at.desc(), JobRow.id.desc())
        if status is not None:
            query = query.where(JobRow.status == status.value)
        if source_asset_id is not None:
            query = query.where(JobRow.source_asset_id == source_asset_id)
        if output_asset_id is not None:
            query = query.where(JobRow.output_asset_id == output_asset_id)
        return [mapping.job_from_row(row) for row in await self._page(query, page)]

    async def in_batch(self, batch_id: uuid.UUID) -> Sequence[TranscodeJob]:
        """Every job of a batch, oldest first (ix_transcode_jobs_batch)."""
        query = (select(JobRow).where(JobRow.batch_id == batch_id)
                 .order_by(JobRow.created_at, JobRow.id))
        with db_errors():
            rows = (await self._session.scalars(query)).all()
        return [mapping.job_from_row(row) for row in rows]

    async def active_for_asset(self, asset_id: uuid.UUID) -> int:
        """How many pending or processing jobs use the asset as source."""
        query = select(func.count()).where(JobRow.source_asset_id == asset_id,
                                           JobRow.status.in_(_ACTIVE))
        with db_errors():
            return int(await self._session.scalar(query) or 0)

    async def delete_ended(self, statuses: Collection[JobStatus]) -> int:
        """Delete the jobs in these statuses, never active ones; how many went."""
        ended = [s.value for s in statuses if not s.is_active]
        query = (delete(JobRow).where(JobRow.status.in_(ended)).returning(JobRow.id)
                 .execution_options(synchronize_session=False))
        with db_errors():
            return len((await self._session.scalars(query)).all())

    async def output_path_taken(self, output_path: str) -> bool:
        """True when an active or completed job writes that output key."""
        return await self._exists(JobRow.output_path == output_path,
                                  JobRow.status.in_(_OUTPUT_HELD))

    async def pending_ids(self) -> Sequence[uuid.UUID]:
        """Pending jobs, highest priority first then oldest, for dispatch."""
        query = (select(JobRow.id).where(JobRow.status == JobStatus.PENDING.value)
                 .order_by(JobRow.priority.desc(), JobRow.created_at, JobRow.id))
        with db_errors():
            return (await self._session.scalars(query)).all()

    async def stale_processing(self, heartbeat_before: datetime) -> Sequence[TranscodeJob]:
        """Processing jobs whose worker has not heart-beaten since the given time."""
        query = (select(JobRow)
                 .where(JobRow.status == JobStatus.PROCESSING.value,
                        or_(JobRow.heartbeat_at.is_(None), JobRow.heartbeat_at < heartbeat_before))
                 .order_by(JobRow.heartbeat_at.nulls_first(), JobRow.id))
        with db_errors():
            rows = (await self._session.scalars(query)).all()
        return [mapping.job_from_row(row) for row in rows]


def _started(worker_id: str, now: datetime) -> dict[str, Any]:
    """Column values of TranscodeJob.start(): processing, one more attempt and run, progress
    reset."""
    return {"status": JobStatus.PROCESSING.value, "attempts": JobRow.attempts + 1,
            "runs": JobRow.runs + 1,
            "worker_id": worker_id, "heartbeat_at": now, "started_at": now, "updated_at": now,
            "error_message": None, "progress": 0.0, "current_time": None, "speed": None,
            "eta": None, "version": JobRow.version + 1}
