"""Create a transcode job for a ready asset and dispatch it to the workers."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from mpr.application.dispatching import dispatch_job
from mpr.application.ids import parse_id
from mpr.application.output_naming import output_key_for
from mpr.domain.asset import Location, MediaAsset
from mpr.domain.builtin_presets import COPY_PRESET
from mpr.domain.errors import Conflict, ValidationError
from mpr.domain.job import TranscodeJob, Trim
from mpr.domain.ports import Clock, JobQueue, UnitOfWork, UnitOfWorkFactory
from mpr.domain.preset import TranscodePreset

log = logging.getLogger(__name__)
MAX_PRIORITY = 100


@dataclass(frozen=True, slots=True)
class CreateJobCommand:
    source_asset_id: str
    preset_id: str | None = None  # None: cut without re-encoding (the 'copy' preset)
    trim_start: float | None = None
    trim_end: float | None = None
    output_filename: str | None = None
    priority: int = 0


class CreateJob:
    """Validate the request against the asset and preset, store the job, dispatch it."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue, clock: Clock) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock

    async def __call__(self, cmd: CreateJobCommand) -> TranscodeJob:
        asset_id = parse_id(cmd.source_asset_id, "asset")
        trim = Trim(cmd.trim_start, cmd.trim_end)
        if not -MAX_PRIORITY <= cmd.priority <= MAX_PRIORITY:
            raise ValidationError(f"priority must be between -{MAX_PRIORITY} and {MAX_PRIORITY}")
        async with self._uow() as uow:
            asset = await uow.assets.get(asset_id)
            preset = await _preset(uow, cmd.preset_id)
            _check_source(asset, preset, trim)
            job = self._new_job(asset, preset, trim, cmd)
            if cmd.output_filename and await _output_taken(uow, job.output_path):
                raise Conflict(f"output {job.output_path!r} already exists or is being written")
            await uow.jobs.add(job)
            await uow.commit()
        return await dispatch_job(self._uow, self._queue, job)

    def _new_job(self, asset: MediaAsset, preset: TranscodePreset, trim: Trim,
                 cmd: CreateJobCommand) -> TranscodeJob:
        job_id = uuid.uuid4()
        key = output_key_for(asset, preset, job_id, cmd.output_filename)
        now = self._clock.now()
        return TranscodeJob(id=job_id, source_asset_id=asset.id, preset=preset,
                            output_filename=key.rsplit("/", 1)[-1], output_path=key,
                            created_at=now, updated_at=now, trim=trim, priority=cmd.priority)


async def _preset(uow: UnitOfWork, preset_id: str | None) -> TranscodePreset:
    if preset_id is None:
        return await uow.presets.get(COPY_PRESET.id)
    return await uow.presets.get(parse_id(preset_id, "preset"))


async def _output_taken(uow: UnitOfWork, key: str) -> bool:
    if await uow.jobs.output_path_taken(key):
        return True
    return key in await uow.assets.known_paths(Location.OUTPUT)


def _check_source(asset: MediaAsset, preset: TranscodePreset, trim: Trim) -> None:
    """The source must be a ready input whose streams and length fit the request."""
    if asset.location is not Location.INPUT:
        raise ValidationError(f"asset {asset.id} is an output; jobs take input assets")
    if not asset.is_ready:
        reason = f": {asset.error_message}" if asset.error_message else ""
        raise ValidationError(f"asset {asset.id} is {asset.status.value}, not ready{reason}")
    if preset.needs_video and not asset.media.has_video:
        raise ValidationError(f"preset {preset.name} encodes video; asset {asset.id} has none")
    if preset.video_codec is None and not asset.media.has_audio:
        raise ValidationError(f"preset {preset.name} is audio-only; asset {asset.id} has no audio")
    trim.check_within(asset.media.duration)
