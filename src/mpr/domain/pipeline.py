"""What a worker needs to run one encode, independent of where it runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mpr.domain.job import Trim
from mpr.domain.media import MediaInfo
from mpr.domain.preset import TranscodePreset


@dataclass(frozen=True, slots=True)
class TranscodeSpec:
    """A self-contained job description: a Lambda can run it without the database."""

    job_id: uuid.UUID
    source_key: str
    source_duration: float | None
    preset: TranscodePreset
    trim: Trim
    output_key: str


@dataclass(frozen=True, slots=True)
class TranscodeRequest:
    """One ffmpeg run: where to read, where to write, how to encode."""

    source: str  # a local path or an http(s) URL the transcoder can read
    destination: str  # a local path; the transcoder writes exactly this file
    preset: TranscodePreset
    trim: Trim
    output_format: str  # the container, e.g. 'mp4'
    expected_duration: float | None  # seconds of output, for the progress percentage


@dataclass(frozen=True, slots=True)
class TranscodeOutput:
    """A finished output: where it is stored, its size and what it contains."""

    key: str
    size: int
    media: MediaInfo


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object in a media store."""

    key: str
    size: int
