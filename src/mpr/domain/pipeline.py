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
    source_path: str  # the source asset's file_path in the input store
    source_duration: float | None
    preset: TranscodePreset
    trim: Trim
    output_path: str  # the job's output_path in the output store
    run: int = 1  # which run of the job this is (never reused): names its staging area,
    # its execution and its callbacks, so a stale run is told apart from the live one
    source_has_video: bool | None = None  # None: unknown, so the output check does not ask
    source_has_audio: bool | None = None


class StagedBytesIncomplete(Exception):
    """A reader started before a staged file was complete must give up (EarlyReader)."""


@dataclass(frozen=True, slots=True)
class MediaSource:
    """Where ffmpeg/ffprobe read one object: a locator, plus descriptors the child inherits.

    A filesystem store opens the object once and hands over the descriptor ('/dev/fd/N'),
    so a file swapped after the check is never the one read; S3 gives a presigned URL."""

    locator: str  # a local path, '/dev/fd/N' of an inherited descriptor, or an http(s) URL
    name: str  # the object's key or file name: its extension names the container
    fds: tuple[int, ...] = ()  # descriptors the reading process must inherit
    browser_locator: str | None = None  # where a browser fetches it, when not at `locator`

    @classmethod
    def at(cls, locator: str) -> MediaSource:
        """A file or URL read by its own name (files MPR wrote itself, tests, benchmarks)."""
        return cls(locator=locator, name=locator)


@dataclass(frozen=True, slots=True)
class TranscodeRequest:
    """One ffmpeg run: where to read, where to write, how to encode."""

    source: MediaSource
    destination: str  # a local path; the transcoder writes exactly this file
    preset: TranscodePreset
    trim: Trim
    output_format: str  # the container, e.g. 'mp4'
    expected_duration: float | None  # seconds of output, for the progress percentage


@dataclass(frozen=True, slots=True)
class TranscodeResult:
    """What an encode that succeeded noticed on the way: the encoder's warnings, deduplicated."""

    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TranscodeOutput:
    """A finished output: where it is stored, its size and what it contains."""

    key: str
    size: int  # the main object's bytes
    media: MediaInfo
    warnings: tuple[str, ...] = ()  # the encoder's and the output check's, kept on the job
    package_size: int | None = None  # every object's bytes, for a package of several

    @property
    def stored_size(self) -> int:
        """What the output takes in the store: the whole package."""
        return self.size if self.package_size is None else self.package_size


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object in a media store."""

    key: str
    size: int
