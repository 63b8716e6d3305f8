"""Explicit mapping between domain entities and ORM rows, both directions."""

from __future__ import annotations

from mpr.adapters.sqlalchemy.models import AssetRow, JobRow, PresetRow
from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.job import JobStatus, TranscodeJob, Trim
from mpr.domain.media import MediaInfo
from mpr.domain.preset import PRESET_FIELDS, TranscodePreset
from mpr.domain.preset_snapshot import preset_from_snapshot, preset_to_snapshot

_PRESET_SETTINGS = tuple(n for n in PRESET_FIELDS if n != "id")
_JOB_SCALARS = ("output_filename", "output_path", "progress", "current_time", "speed", "eta",
                "error_message", "output_asset_id", "task_id", "execution_arn", "callback_seq",
                "priority",
                "attempts", "runs", "worker_id", "heartbeat_at", "started_at", "completed_at",
                "created_at", "updated_at", "created_by", "batch_id")
_MEDIA_COLUMNS = ("duration", "container", "video_codec", "audio_codec", "width", "height",
                  "framerate", "bitrate")


def asset_to_row(asset: MediaAsset) -> AssetRow:
    """A new row holding the asset."""
    row = AssetRow(id=asset.id)
    update_asset_row(row, asset)
    return row


def update_asset_row(row: AssetRow, asset: MediaAsset) -> None:
    """Copy every field of the asset onto its row."""
    row.filename, row.file_path = asset.filename, asset.file_path
    row.location, row.status = asset.location.value, asset.status.value
    row.error_message, row.file_size = asset.error_message, asset.file_size
    for name in _MEDIA_COLUMNS:
        setattr(row, name, getattr(asset.media, name))
    row.properties = dict(asset.media.properties)
    row.comments, row.tags = asset.comments, list(asset.tags)
    row.created_at, row.updated_at = asset.created_at, asset.updated_at


def asset_from_row(row: AssetRow) -> MediaAsset:
    """The domain asset a row holds."""
    media = MediaInfo(properties=dict(row.properties or {}),
                      **{name: getattr(row, name) for name in _MEDIA_COLUMNS})
    return MediaAsset(
        id=row.id, filename=row.filename, file_path=row.file_path,
        location=Location(row.location), status=AssetStatus(row.status),
        error_message=row.error_message, file_size=row.file_size, media=media,
        comments=row.comments, tags=list(row.tags or []),
        created_at=row.created_at, updated_at=row.updated_at,
    )


def preset_to_row(preset: TranscodePreset) -> PresetRow:
    """A new row holding the preset."""
    row = PresetRow(id=preset.id)
    update_preset_row(row, preset)
    return row


def update_preset_row(row: PresetRow, preset: TranscodePreset) -> None:
    """Copy every field of the preset onto its row."""
    for name in _PRESET_SETTINGS:
        setattr(row, name, getattr(preset, name))


def preset_from_row(row: PresetRow) -> TranscodePreset:
    """The domain preset a row holds."""
    return TranscodePreset.restore(**{name: getattr(row, name) for name in PRESET_FIELDS})


def job_to_row(job: TranscodeJob) -> JobRow:
    """A new row holding the job."""
    row = JobRow(id=job.id)
    update_job_row(row, job)
    return row


def update_job_row(row: JobRow, job: TranscodeJob) -> None:
    """Copy every field of the job onto its row."""
    row.source_asset_id, row.status = job.source_asset_id, job.status.value
    row.preset_id, row.preset_snapshot = job.preset.id, preset_to_snapshot(job.preset)
    row.trim_start, row.trim_end = job.trim.start, job.trim.end
    row.warnings = list(job.warnings)
    for name in _JOB_SCALARS:
        setattr(row, name, getattr(job, name))


def job_from_row(row: JobRow) -> TranscodeJob:
    """The domain job a row holds."""
    return TranscodeJob(
        id=row.id, source_asset_id=row.source_asset_id,
        preset=preset_from_snapshot(row.preset_snapshot),
        trim=Trim(row.trim_start, row.trim_end), status=JobStatus(row.status),
        version=row.version, warnings=list(row.warnings or []),
        **{name: getattr(row, name) for name in _JOB_SCALARS},
    )
