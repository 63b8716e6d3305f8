"""Ports of the media tools: probing, thumbnails, waveforms and transcoding."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from mpr.domain.job import Progress
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import (
    MediaSource,
    TranscodeRequest,
    TranscodeResult,
)
from mpr.domain.storyboard import StoryboardPlan

ProgressCallback = Callable[[Progress], Awaitable[None]]


class MediaProber(Protocol):
    async def probe(self, source: MediaSource, complete: Awaitable[None] | None = None
                    ) -> MediaInfo:
        """Media metadata of an opened source; ProbeError when it is not valid media.

        Given `complete`, the source is a file still being written whose open waits until it
        is whole (EarlyReader): start the reading process now, count its time from when
        `complete` resolves, and stop it and raise what `complete` raises."""
        ...


class ThumbnailMaker(Protocol):
    async def thumbnail(self, source: MediaSource, cache_key: str, at: float, width: int
                        ) -> Path:
        """A JPEG of the frame at `at` seconds, `width` pixels wide, cached under cache_key."""
        ...

    async def sprite(self, source: MediaSource, cache_key: str, plan: StoryboardPlan) -> Path:
        """The storyboard's sprite sheet as the plan cuts it, made in one pass over the video
        and cached under cache_key; TranscodeError when ffmpeg fails."""
        ...


class WaveformMaker(Protocol):
    async def waveform(self, source: MediaSource, cache_key: str, duration: float) -> Path:
        """A JSON file of the first audio stream's peaks (Waveform.to_json), made in one
        decode bounded in time by the media's `duration` and in memory by the peak count,
        cached under cache_key; one decode however many ask at once; TranscodeError when
        ffmpeg fails or finds no audio."""
        ...


class Transcoder(Protocol):
    async def transcode(self, request: TranscodeRequest, on_progress: ProgressCallback
                        ) -> TranscodeResult:
        """Run one encode to request.destination, reporting progress; the encoder's warnings.

        Cancelling the calling task (or an exception from on_progress) stops the encoder
        promptly; TranscodeError carries the reason of a failed encode, TranscodeTimeout
        that of one stopped for making no progress or running too long.
        """
        ...
