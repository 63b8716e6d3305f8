"""The ThumbnailMaker port on ffmpeg: one JPEG frame per (asset, width, time), and one
storyboard sprite sheet per asset, cached on disk within a size bound."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path

from mpr.adapters.ffmpeg.command import source_input
from mpr.adapters.ffmpeg.process import run_ffmpeg
from mpr.adapters.ffmpeg.single_flight import SingleFlight
from mpr.adapters.ffmpeg.thumbnail_cache import ThumbnailCache
from mpr.domain.errors import TranscodeError, ValidationError
from mpr.domain.pipeline import MediaSource
from mpr.domain.storyboard import StoryboardPlan

_Arguments = Callable[[MediaSource], list[str]]  # ffmpeg's input and filter arguments
_SAFE_KEY = re.compile(r"[0-9a-f-]{36}/([0-9]+-[0-9]+|sprite-[0-9]+x[0-9]+-[0-9]+-[0-9]+)")
SPRITE_SECONDS_PER_TILE = 0.5  # time allowed per tile on top of the base timeout


class FfmpegThumbnails:
    """Grabs frames with ffmpeg into a size-bounded cache; at most `concurrency` at a time."""

    def __init__(self, ffmpeg: str, cache_dir: Path, max_bytes: int = 512 * 2**20,
                 concurrency: int = 2, timeout: float = 20) -> None:
        self._ffmpeg = ffmpeg
        self._cache = ThumbnailCache(cache_dir, max_bytes)
        self._slots = asyncio.Semaphore(concurrency)
        self._making: SingleFlight[Path] = SingleFlight()
        self._timeout = timeout

    async def thumbnail(self, source: MediaSource, cache_key: str, at: float, width: int
                        ) -> Path:
        """The cached JPEG, made first when missing; TranscodeError when ffmpeg fails."""
        def args(own: MediaSource) -> list[str]:
            return ["-ss", f"{at:.3f}", *source_input(own), "-frames:v", "1",
                    "-vf", f"scale={width}:-2"]

        return await self._cached(source, cache_key, args, self._timeout, f"at {at:.1f} s")

    async def sprite(self, source: MediaSource, cache_key: str, plan: StoryboardPlan) -> Path:
        """The storyboard's sprite sheet: one decode of the video, a frame every plan.step
        seconds scaled to a tile and laid out in rows, cached like a thumbnail."""
        tiles = (f"fps=1/{plan.step}:round=down,scale={plan.tile_width}:{plan.tile_height},"
                 f"setsar=1,tile={plan.columns}x{plan.rows}")

        def args(own: MediaSource) -> list[str]:
            return [*source_input(own), "-an", "-sn", "-dn", "-frames:v", "1", "-vf", tiles]

        timeout = self._timeout + SPRITE_SECONDS_PER_TILE * plan.count
        return await self._cached(source, cache_key, args, timeout, "for the storyboard")

    async def _cached(self, source: MediaSource, cache_key: str, args: _Arguments,
                      timeout: float, what: str) -> Path:
        """The cached JPEG under the key, else made by one ffmpeg run of `args` (given the
        source with descriptors of its own) however many callers want it meanwhile."""
        if not _SAFE_KEY.fullmatch(cache_key):
            raise ValidationError(f"bad thumbnail cache key {cache_key!r}")
        cached = await self._cache.hit(cache_key)
        if cached is not None:
            return cached
        # one grab per key, however many requests want it meanwhile
        return await self._making.run(
            cache_key, lambda: self._make(own_copy(source), cache_key, args, timeout, what))

    async def _make(self, source: MediaSource, cache_key: str, args: _Arguments,
                    timeout: float, what: str) -> Path:
        try:
            async with self._slots:
                await self._grab(source, args(source), timeout, self._cache.path(cache_key),
                                 what)
                return await self._cache.add(cache_key)
        finally:
            for fd in source.fds:
                os.close(fd)

    async def _grab(self, source: MediaSource, args: list[str], timeout: float, target: Path,
                    what: str) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{uuid.uuid4().hex}.jpg")
        output = ["-q:v", "5", "-f", "mjpeg", "file:" + str(temp)]
        try:
            await run_ffmpeg(self._ffmpeg, [*args, *output], timeout, source.fds)
            if not temp.is_file() or temp.stat().st_size == 0:
                raise TranscodeError(f"no video frame {what}")
            os.replace(temp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def own_copy(source: MediaSource) -> MediaSource:
    """The source with descriptors of its own: a shared grab outlives the request that
    started it, whose descriptors close (and whose numbers may be reused) when it leaves."""
    if not source.fds:
        return source
    copies = {fd: os.dup(fd) for fd in source.fds}
    locator = next((f"/dev/fd/{new}" for old, new in copies.items()
                    if source.locator == f"/dev/fd/{old}"), source.locator)
    return dataclasses.replace(source, locator=locator, fds=tuple(copies.values()))
