"""The WaveformMaker port on ffmpeg: the first audio stream decoded to mono 16-bit PCM at a
low rate through a pipe, folded into peaks as it arrives, the JSON cached on disk."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import uuid
from array import array
from pathlib import Path

from mpr.adapters.ffmpeg.command import source_input
from mpr.adapters.ffmpeg.process import QUIET
from mpr.adapters.ffmpeg.single_flight import SingleFlight
from mpr.adapters.ffmpeg.spawn import start_child
from mpr.adapters.ffmpeg.thumbnail_cache import ThumbnailCache
from mpr.adapters.ffmpeg.thumbnails import own_copy
from mpr.domain.errors import TranscodeError, TranscodeTimeout, ValidationError
from mpr.domain.pipeline import MediaSource
from mpr.domain.waveform import PEAKS, SAMPLE_RATE, PeakAccumulator

_SAFE_KEY = re.compile(r"[0-9a-f-]{36}/waveform-[0-9]+")
CHUNK = 64 * 1024  # bytes read from ffmpeg's stdout at a time
SECONDS_PER_MEDIA_SECOND = 0.05  # decode time allowed on top of the base timeout (20x)
_STDERR_TAIL = 2000


class FfmpegWaveforms:
    """Decodes audio with ffmpeg into a size-bounded cache; at most `concurrency` at a time."""

    def __init__(self, ffmpeg: str, cache_dir: Path, max_bytes: int = 64 * 2**20,
                 concurrency: int = 2, timeout: float = 30, peaks: int = PEAKS) -> None:
        self._ffmpeg = ffmpeg
        self._cache = ThumbnailCache(cache_dir, max_bytes, suffix=".json")
        self._slots = asyncio.Semaphore(concurrency)
        self._making: SingleFlight[Path] = SingleFlight()
        self._timeout = timeout
        self._peaks = peaks

    async def waveform(self, source: MediaSource, cache_key: str, duration: float) -> Path:
        """The cached JSON, made first when missing; TranscodeError when ffmpeg fails."""
        if not _SAFE_KEY.fullmatch(cache_key):
            raise ValidationError(f"bad waveform cache key {cache_key!r}")
        cached = await self._cache.hit(cache_key)
        if cached is not None:
            return cached
        # one decode per key, however many requests want it meanwhile
        timeout = self._timeout + SECONDS_PER_MEDIA_SECOND * max(duration, 0.0)
        return await self._making.run(
            cache_key, lambda: self._make(own_copy(source), cache_key, timeout))

    async def _make(self, source: MediaSource, cache_key: str, timeout: float) -> Path:
        try:
            async with self._slots:
                accumulator = await self._decode(source, timeout)
        finally:
            for fd in source.fds:
                os.close(fd)
        try:
            waveform = accumulator.waveform()
        except ValueError:
            raise TranscodeError("no audio samples decoded") from None
        target = self._cache.path(cache_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{uuid.uuid4().hex}.json")
        try:
            temp.write_bytes(waveform.to_json())
            os.replace(temp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        return await self._cache.add(cache_key)

    async def _decode(self, source: MediaSource, timeout: float) -> PeakAccumulator:
        """One ffmpeg run whose PCM is folded into peaks as it arrives; killed on timeout."""
        args = [*source_input(source), "-map", "0:a:0", "-ac", "1", "-ar", str(SAMPLE_RATE),
                "-f", "s16le", "pipe:1"]
        try:
            process = await start_child(
                [self._ffmpeg, *QUIET, *args], stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                pass_fds=source.fds)
        except OSError as e:
            reason = e.strerror or type(e).__name__  # str(e) would name the binary's path
            raise TranscodeError(f"cannot start ffmpeg (check MPR_FFMPEG): {reason}") from e
        stdout, stderr_pipe = process.stdout, process.stderr
        if stdout is None or stderr_pipe is None:  # both were asked for as pipes
            raise TranscodeError("ffmpeg started without its pipes")
        accumulator = PeakAccumulator(self._peaks, SAMPLE_RATE)
        errors = asyncio.create_task(_tail(stderr_pipe))
        try:
            async with asyncio.timeout(timeout):
                await _fold(stdout, accumulator)
                code = await process.wait()
        except TimeoutError:
            raise TranscodeTimeout(f"the waveform's decode took over {timeout:.0f} s") from None
        finally:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            stderr = await errors
        if code != 0:
            message = stderr.decode("utf-8", "replace").strip()
            raise TranscodeError(f"ffmpeg exited with code {code}: {message}")
        return accumulator


async def _fold(stdout: asyncio.StreamReader, accumulator: PeakAccumulator) -> None:
    """Samples from the pipe into the accumulator, a chunk at a time (an odd byte waits)."""
    odd = b""
    while chunk := await stdout.read(CHUNK):
        data = odd + chunk
        whole = len(data) - len(data) % 2
        samples = array("h")
        samples.frombytes(data[:whole])
        if sys.byteorder == "big":  # ffmpeg writes little-endian (s16le)
            samples.byteswap()
        accumulator.add(samples)
        odd = data[whole:]


async def _tail(stderr: asyncio.StreamReader) -> bytes:
    """What ffmpeg said on stderr, read to its end so it never blocks; only the tail kept."""
    kept = b""
    while chunk := await stderr.read(CHUNK):
        kept = (kept + chunk)[-_STDERR_TAIL:]
    return kept
