"""The ThumbnailMaker port on ffmpeg: one JPEG frame per (asset, width, time), cached on disk."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import uuid
from pathlib import Path

from mpr.adapters.ffmpeg.command import media_arg, protocol_whitelist
from mpr.adapters.ffmpeg.process import run_ffmpeg
from mpr.domain.errors import TranscodeError, ValidationError

_SAFE_KEY = re.compile(r"^[0-9a-f-]{36}/[0-9]+-[0-9]+$")


class FfmpegThumbnails:
    """Grabs frames with ffmpeg into a cache directory; at most `concurrency` at a time."""

    def __init__(self, ffmpeg: str, cache_dir: Path, concurrency: int = 2,
                 timeout: float = 20) -> None:
        self._ffmpeg = ffmpeg
        self._cache = cache_dir
        self._slots = asyncio.Semaphore(concurrency)
        self._timeout = timeout

    async def thumbnail(self, locator: str, cache_key: str, at: float, width: int) -> Path:
        """The cached JPEG, made first when missing; TranscodeError when ffmpeg fails."""
        if not _SAFE_KEY.match(cache_key):
            raise ValidationError(f"bad thumbnail cache key {cache_key!r}")
        target = self._cache / f"{cache_key}.jpg"
        if target.is_file():
            return target
        async with self._slots:
            if not target.is_file():
                await self._grab(locator, at, width, target)
        return target

    async def _grab(self, locator: str, at: float, width: int, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{uuid.uuid4().hex}.jpg")
        args = ["-ss", f"{at:.3f}", *protocol_whitelist(locator), "-i", media_arg(locator),
                "-frames:v", "1", "-vf", f"scale={width}:-2", "-q:v", "5", "-f", "mjpeg",
                "file:" + str(temp)]
        try:
            await run_ffmpeg(self._ffmpeg, args, self._timeout)
            if not temp.is_file() or temp.stat().st_size == 0:
                raise TranscodeError(f"no video frame at {at:.1f} s")
            os.replace(temp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
