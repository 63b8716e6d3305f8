"""The MediaProber port on ffprobe: JSON metadata mapped to MediaInfo, failures to ProbeError."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
from collections.abc import Awaitable
from typing import Any

from mpr.adapters.ffmpeg.child import Child
from mpr.adapters.ffmpeg.command import media_arg, refused_format, source_options
from mpr.adapters.ffmpeg.spawn import start_child
from mpr.adapters.ffmpeg.truncation import tail_args, tail_start, truncation_reason
from mpr.domain.errors import ProbeError
from mpr.domain.media import MediaInfo, extension_of
from mpr.domain.pipeline import MediaSource

# ffprobe names a demuxer family; the file name tells which member a file is.
_MOV_FAMILY = {"mp4": "mp4", "m4v": "mp4", "m4a": "m4a", "mov": "mov", "3gp": "3gp"}
_LOG_PREFIX = re.compile(r"^\[[^\]]*@ 0x[0-9a-f]+\]\s*")


class FfprobeProber:
    """Probes a local path or URL with ffprobe; implements the MediaProber port."""

    def __init__(self, ffprobe: str = "ffprobe", timeout: float = 30) -> None:
        self._ffprobe = ffprobe
        self._timeout = timeout

    async def probe(self, source: MediaSource, complete: Awaitable[None] | None = None
                    ) -> MediaInfo:
        """Media metadata of the file; ProbeError when it is not readable audio/video.
        Given `complete`, ffprobe starts now (its start is most of a probe's time) and its
        timeout counts from when `complete` resolves."""
        stdout = await self._run(source, complete)
        try:
            data = json.loads(stdout)
        except ValueError as e:
            raise ProbeError(f"ffprobe returned unreadable output: {e}") from e
        info = media_info(data, source.name)
        await self._check_tail(source, info)
        return info

    async def _check_tail(self, source: MediaSource, info: MediaInfo) -> None:
        """ProbeError when the file's media data stops before its duration (truncation.py)."""
        start = tail_start(info)
        if start is None:
            return
        arg = media_arg(source.locator)
        argv = [self._ffprobe, *tail_args(start), *source_options(source), arg]
        try:
            packets = await self._output(argv, arg, source.fds)
        except ProbeError as e:
            raise ProbeError(f"the file appears truncated: its end cannot be read ({e})") from e
        reason = truncation_reason(info, packets)
        if reason is not None:
            raise ProbeError(reason)

    async def _run(self, source: MediaSource, complete: Awaitable[None] | None) -> bytes:
        arg = media_arg(source.locator)
        argv = [self._ffprobe, "-v", "error", "-print_format", "json", "-show_format",
                "-show_streams", *source_options(source), arg]
        return await self._output(argv, arg, source.fds, complete)

    async def _output(self, argv: list[str], arg: str, fds: tuple[int, ...],
                      complete: Awaitable[None] | None = None) -> bytes:
        """The stdout of an ffprobe run; ProbeError when it fails or times out."""
        process = await self._start(argv, fds)
        try:
            if complete is not None:
                await complete
            stdout, stderr = await asyncio.wait_for(process.communicate(), self._timeout)
        except TimeoutError as e:
            await _kill(process)
            raise ProbeError(f"ffprobe timed out after {self._timeout:g} s") from e
        except BaseException:
            await _kill(process)
            raise
        if process.returncode != 0:
            raise ProbeError(error_reason(stderr.decode("utf-8", "replace"), arg))
        return stdout

    async def _start(self, argv: list[str], fds: tuple[int, ...]) -> Child:
        try:
            return await start_child(
                argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True, pass_fds=fds)
        except OSError as e:
            reason = e.strerror or type(e).__name__  # str(e) would name the binary's path
            raise ProbeError(f"cannot start ffprobe (check MPR_FFPROBE): {reason}") from e


async def _kill(process: Child) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await process.wait()


def error_reason(stderr: str, arg: str) -> str:
    """ffprobe's complaint as one line, main reason first, without paths or URLs."""
    refused = refused_format(stderr)
    if refused is not None:
        return refused
    lines = [_LOG_PREFIX.sub("", line).replace(f"{arg}: ", "").replace(arg, "the file").strip()
             for line in stderr.splitlines()]
    lines = list(dict.fromkeys(line for line in lines if line))
    if not lines:
        return "ffprobe could not read the file"
    reason, details = lines[-1], lines[-3:-1]
    return f"{reason} ({'; '.join(details)})" if details else reason


def media_info(data: dict[str, Any], name: str) -> MediaInfo:
    """Map ffprobe's JSON to MediaInfo; ProbeError when there is no audio or video stream."""
    streams: list[dict[str, Any]] = data.get("streams") or []
    fmt: dict[str, Any] = data.get("format") or {}
    video = _first(streams, "video")
    audio = _first(streams, "audio")
    if video is None and audio is None:
        raise ProbeError("no audio or video stream found")
    return MediaInfo(
        duration=_duration(fmt, streams),
        container=container_name(str(fmt.get("format_name", "")), name),
        video_codec=video.get("codec_name") if video else None,
        audio_codec=audio.get("codec_name") if audio else None,
        width=_int(video.get("width")) if video else None,
        height=_int(video.get("height")) if video else None,
        framerate=_framerate(video) if video else None,
        bitrate=_int(fmt.get("bit_rate")),
        properties=data,
    )


def container_name(format_name: str, name: str) -> str | None:
    """A friendly container name: the demuxer's first name, refined by the file extension."""
    first = format_name.split(",")[0].strip()
    extension = extension_of(name)
    if first == "mov":
        return _MOV_FAMILY.get(extension, "mp4")
    if first == "matroska":
        return "webm" if extension == "webm" else "mkv"
    return first or None


def _first(streams: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    """The first stream of a kind, ignoring cover art (attached pictures)."""
    for stream in streams:
        cover = (stream.get("disposition") or {}).get("attached_pic") == 1
        if stream.get("codec_type") == kind and not cover:
            return stream
    return None


def _duration(fmt: dict[str, Any], streams: list[dict[str, Any]]) -> float | None:
    duration = _float(fmt.get("duration"))
    if duration is not None:
        return duration
    known = [d for d in (_float(s.get("duration")) for s in streams) if d is not None]
    return max(known, default=None)


def _framerate(stream: dict[str, Any]) -> float | None:
    for key in ("avg_frame_rate", "r_frame_rate"):
        numerator, _, denominator = str(stream.get(key, "")).partition("/")
        num, den = _float(numerator), _float(denominator or "1")
        if num and den:
            return round(num / den, 3)
    return None


def _float(value: object) -> float | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _int(value: object) -> int | None:
    number = _float(value)
    return int(number) if number is not None else None
