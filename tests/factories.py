"""Factories of domain objects for tests: valid defaults, any field overridable."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.job import TranscodeJob
from mpr.domain.media import MediaInfo
from mpr.domain.preset import TranscodePreset

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
_counter = itertools.count(1)


def make_media(**overrides: Any) -> MediaInfo:
    """Probe results of a short 720p H.264/AAC clip."""
    values: dict[str, Any] = {
        "duration": 10.0, "container": "mov,mp4,m4a,3gp,3g2,mj2", "video_codec": "h264",
        "audio_codec": "aac", "width": 1280, "height": 720, "framerate": 25.0,
        "bitrate": 1_500_000, "properties": {"format": {"format_name": "mov,mp4"}},
    }
    return MediaInfo(**(values | overrides))


def make_asset(**overrides: Any) -> MediaAsset:
    """A ready input asset with a unique store key."""
    n = next(_counter)
    file_path = overrides.pop("file_path", f"clips/clip-{n}.mp4")
    values: dict[str, Any] = {
        "id": uuid.uuid4(), "filename": file_path.rsplit("/", 1)[-1], "file_path": file_path,
        "location": Location.INPUT, "status": AssetStatus.READY, "file_size": 1_000_000 + n,
        "media": make_media(), "created_at": NOW, "updated_at": NOW,
    }
    return MediaAsset(**(values | overrides))


def make_preset(**overrides: Any) -> TranscodePreset:
    """A user H.264 preset with a unique name."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(), "name": f"user-h264-{next(_counter)}", "description": "test preset",
        "container": "mp4", "video_codec": "libx264", "video_crf": 23, "video_preset": "fast",
        "resolution": "1280x720", "audio_codec": "aac", "audio_bitrate": "128k",
        "audio_channels": 2, "created_at": NOW, "updated_at": NOW,
    }
    return TranscodePreset(**(values | overrides))


def make_job(source_asset_id: uuid.UUID | None = None, **overrides: Any) -> TranscodeJob:
    """A pending job of a source asset (a random id by default) with a preset snapshot."""
    n = next(_counter)
    values: dict[str, Any] = {
        "id": uuid.uuid4(), "source_asset_id": source_asset_id or uuid.uuid4(),
        "preset": make_preset(), "output_filename": f"out-{n}.mp4",
        "output_path": f"out-{n}.mp4", "created_at": NOW, "updated_at": NOW,
        # a job never retried has run as many times as it attempted
        "runs": overrides.get("attempts", 0),
    }
    return TranscodeJob(**(values | overrides))


def store_jobs(tables: Any, *jobs: TranscodeJob) -> None:
    """Put jobs in the fake tables with a source asset each (a dispatch reads the source)."""
    for job in jobs:
        tables.jobs[job.id] = job
        tables.assets.setdefault(job.source_asset_id, make_asset(id=job.source_asset_id))
