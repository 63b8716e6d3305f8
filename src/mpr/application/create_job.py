"""Create a transcode job for a ready asset and dispatch it to the workers."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from mpr.application.dispatching import dispatch_job
from mpr.application.ids import parse_id
from mpr.application.missing_objects import refuse_missing_source
from mpr.application.output_naming import output_path_for
from mpr.domain.asset import Location, MediaAsset
from mpr.domain.builtin_presets import COPY_PRESET
from mpr.domain.errors import Conflict, ValidationError
from mpr.domain.job import TranscodeJob, Trim
from mpr.domain.ladder import fit_to_source, parse_renditions, renditions_text
from mpr.domain.ports import Clock, JobQueue, MediaStorage, UnitOfWork, UnitOfWorkFactory
from mpr.domain.preset import TranscodePreset, validate_preset

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

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue, clock: Clock,
                 output_storage: MediaStorage) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock
        self._output = output_storage

    async def __call__(self, cmd: CreateJobCommand) -> TranscodeJob:
        asset_id = parse_id(cmd.source_asset_id, "asset")
        trim = Trim(cmd.trim_start, cmd.trim_end)
        if not -MAX_PRIORITY <= cmd.priority <= MAX_PRIORITY:
            raise ValidationError(f"priority must be between -{MAX_PRIORITY} and {MAX_PRIORITY}")
        async with self._uow() as uow:
            asset = await uow.assets.get(asset_id)
            refuse_missing_source(asset)
            preset = await load_preset(uow, cmd.preset_id)
            check_source(asset, preset, trim)
            job = self._new_job(asset, for_source(preset, asset), trim, cmd)
            if await _output_taken(uow, job.output_path) or await self._output.exists(
                    job.output_path):
                raise Conflict(f"output {job.output_path!r} already exists or is being written; "
                               "MPR never replaces an object: choose another outputFilename")
            await uow.jobs.add(job)
            await uow.commit()
        return await dispatch_job(self._uow, self._queue, job, asset)

    def _new_job(self, asset: MediaAsset, preset: TranscodePreset, trim: Trim,
                 cmd: CreateJobCommand) -> TranscodeJob:
        job_id = uuid.uuid4()
        path = output_path_for(asset, preset, job_id, cmd.output_filename)
        return TranscodeJob.create(job_id, asset.id, preset, path, self._clock.now(), trim,
                                   cmd.priority)


async def load_preset(uow: UnitOfWork, preset_id: str | None) -> TranscodePreset:
    """The preset, checked against today's rules (it may have been stored under older ones)."""
    pid = COPY_PRESET.id if preset_id is None else parse_id(preset_id, "preset")
    preset = await uow.presets.get(pid)
    try:
        validate_preset(preset)
    except ValidationError as e:
        raise ValidationError(f"preset {preset.name!r} must be corrected first: {e}") from e
    return preset


def for_source(preset: TranscodePreset, asset: MediaAsset) -> TranscodePreset:
    """The preset as this source's job runs it: a ladder keeps the renditions the source can
    fill (never upscaled) and drops its audio rendition for a source without audio."""
    media = asset.media
    if not preset.is_ladder or media.width is None or media.height is None:
        return preset
    rungs = fit_to_source(parse_renditions(preset.renditions or ""), media.width, media.height)
    fitted = preset.evolve(renditions=renditions_text(rungs))
    if media.has_audio:
        return fitted
    return fitted.evolve(audio_codec=None, audio_bitrate=None, audio_channels=None,
                         audio_samplerate=None)


async def _output_taken(uow: UnitOfWork, key: str) -> bool:
    if await uow.jobs.output_path_taken(key):
        return True
    return key in await uow.assets.known_paths(Location.OUTPUT)


def check_source(asset: MediaAsset, preset: TranscodePreset, trim: Trim) -> None:
    """The source must be a ready input whose streams, frame size and length fit the request.

    Messages name the asset by its file name, as people know it: never by its id (a UUID
    says nothing to the person who picked it) nor by where it is stored."""
    name = asset.filename
    if asset.location is not Location.INPUT:
        raise ValidationError(f"{name} is an output; jobs take input assets")
    if not asset.is_ready:
        reason = f": {asset.error_message}" if asset.error_message else ""
        raise ValidationError(f"{name} is {asset.status.value}, not ready{reason}")
    if preset.needs_video and not asset.media.has_video:
        raise ValidationError(f"preset {preset.name} encodes video; {name} has none: "
                              "choose an audio preset such as aac-audio")
    if preset.video_codec is None and not asset.media.has_audio:
        raise ValidationError(f"preset {preset.name} is audio-only; {name} has no audio")
    problem = asset.media.frame_size_problem() if preset.needs_video else None
    if problem is not None:
        raise ValidationError(f"{name} cannot be encoded by preset {preset.name}: {problem}")
    trim.check_within(asset.media.duration)
