"""Start one preset on many assets at once: a batch of whole-file jobs sharing a batch id.

The assets are named by id or by the asset list's filter. An asset that cannot take the job
(not ready, missing, an output, no video for a video preset...) is refused with the reason,
the others get their jobs in one transaction, dispatched as `createJob` dispatches."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from mpr.application.create_job import (
    MAX_PRIORITY,
    check_source,
    for_source,
    load_preset,
)
from mpr.application.dispatching import dispatch_job
from mpr.application.ids import parse_id
from mpr.application.missing_objects import refuse_missing_source
from mpr.application.output_naming import output_path_for
from mpr.application.queries import parse_enum
from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.errors import Conflict, DomainError, NotFound, ValidationError
from mpr.domain.job import TranscodeJob, Trim
from mpr.domain.ports import Clock, JobQueue, MediaStorage, Page, UnitOfWork, UnitOfWorkFactory
from mpr.domain.preset import TranscodePreset

MAX_BATCH_ASSETS = 200


@dataclass(frozen=True, slots=True)
class AssetFilter:
    """The asset list's filter, as the `assets` query takes it."""

    status: str | None = None
    location: str | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class CreateJobsCommand:
    preset_id: str
    asset_ids: Sequence[str] | None = None  # exactly one of asset_ids and matching
    matching: AssetFilter | None = None
    priority: int = 0


@dataclass(frozen=True, slots=True)
class Refusal:
    """An asset of the request that got no job, and why (its error's message and code)."""

    asset_id: str
    filename: str | None
    reason: str
    code: str


@dataclass(frozen=True, slots=True)
class BatchCreated:
    batch_id: uuid.UUID
    jobs: list[TranscodeJob] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


class CreateJobs:
    """Check every asset against the preset, store the jobs that can run, dispatch them."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue, clock: Clock,
                 output_storage: MediaStorage) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock
        self._output = output_storage

    async def __call__(self, cmd: CreateJobsCommand) -> BatchCreated:
        _check_command(cmd)
        batch = BatchCreated(uuid.uuid4())
        sources: dict[uuid.UUID, MediaAsset] = {}
        async with self._uow() as uow:
            preset = await load_preset(uow, cmd.preset_id)
            outputs = await uow.assets.known_paths(Location.OUTPUT)  # read once, not per job
            for ident, asset in await _selected(uow, cmd):
                try:
                    if asset is None:
                        raise NotFound("asset", ident)
                    job = await self._job(uow, asset, preset, outputs, cmd.priority,
                                          batch.batch_id)
                except DomainError as e:
                    name = asset.filename if asset else None
                    batch.refused.append(Refusal(ident, name, str(e), e.code))
                    continue
                await uow.jobs.add(job)
                batch.jobs.append(job)
                sources[job.id] = asset
            await uow.commit()
        dispatched = [await dispatch_job(self._uow, self._queue, job, sources[job.id])
                      for job in batch.jobs]
        return BatchCreated(batch.batch_id, dispatched, batch.refused)

    async def _job(self, uow: UnitOfWork, asset: MediaAsset, preset: TranscodePreset,
                   outputs: set[str], priority: int, batch_id: uuid.UUID) -> TranscodeJob:
        """The asset's whole-file job, or the DomainError that says why it cannot have one."""
        refuse_missing_source(asset)
        check_source(asset, preset, Trim())
        fitted = for_source(preset, asset)
        job_id = uuid.uuid4()
        path = output_path_for(asset, fitted, job_id, None)
        taken = path in outputs or await uow.jobs.output_path_taken(path)
        if taken or await self._output.exists(path):
            raise Conflict(f"output {path!r} already exists or is being written")
        return TranscodeJob.create(job_id, asset.id, fitted, path, self._clock.now(),
                                   priority=priority, batch_id=batch_id)


def _check_command(cmd: CreateJobsCommand) -> None:
    if (cmd.asset_ids is None) == (cmd.matching is None):
        raise ValidationError("name the assets either by assetIds or by filter, not both",
                              field="asset_ids")
    if not -MAX_PRIORITY <= cmd.priority <= MAX_PRIORITY:
        raise ValidationError(f"priority must be between -{MAX_PRIORITY} and {MAX_PRIORITY}",
                              field="priority")


async def _selected(uow: UnitOfWork, cmd: CreateJobsCommand
                    ) -> list[tuple[str, MediaAsset | None]]:
    """(id as given, the asset or None when unknown) for every asset the request names."""
    if cmd.matching is not None:
        found = await _matching(uow, cmd.matching)
        return [(str(a.id), a) for a in found]
    wanted = _unique_ids(cmd.asset_ids or ())
    known = {a.id: a for a in await uow.assets.many(wanted)}
    return [(str(i), known.get(i)) for i in wanted]


async def _matching(uow: UnitOfWork, matching: AssetFilter) -> Sequence[MediaAsset]:
    status = parse_enum(AssetStatus, matching.status, "asset status")
    location = parse_enum(Location, matching.location, "asset location")
    found = await uow.assets.list(Page(limit=MAX_BATCH_ASSETS + 1), status=status,
                                  location=location, search=matching.search or None)
    if len(found) > MAX_BATCH_ASSETS:
        raise ValidationError(f"more than {MAX_BATCH_ASSETS} assets match the filter; a batch "
                              f"takes at most {MAX_BATCH_ASSETS}: narrow the search",
                              field="filter")
    _refuse_empty(len(found))
    return found


def _unique_ids(given: Sequence[str]) -> list[uuid.UUID]:
    """The ids in the order given, each once; a batch too big is refused before any lookup."""
    ids = list(dict.fromkeys(parse_id(i, "asset") for i in given))
    if len(ids) > MAX_BATCH_ASSETS:
        raise ValidationError(f"{len(ids)} assets given; a batch takes at most "
                              f"{MAX_BATCH_ASSETS}", field="asset_ids")
    _refuse_empty(len(ids))
    return ids


def _refuse_empty(count: int) -> None:
    if count == 0:
        raise ValidationError("a batch needs at least one asset; none given or matching",
                              field="asset_ids")
