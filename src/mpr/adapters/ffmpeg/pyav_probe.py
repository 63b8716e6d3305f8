"""Reading a local media file in process with PyAV (FFmpeg's libraries), as ffprobe would.

An ffprobe run starts a process, and with Debian's FFmpeg build that start alone costs ~80 ms
(the loader binds some 200 shared libraries): as long as a whole 10 s copy cut. A transcode's
output is a local file our own ffmpeg just wrote, so it is probed here, in a worker thread,
in a few milliseconds. Sources stay with FfprobeProber: they may be hostile or remote, and a
separate process keeps a demuxer crash or hang away from the service.

The result has the shape of ffprobe's JSON (the fields MPR reads, and the usual others), so
one mapping, `media_info`, turns both probers' data into MediaInfo. PyAV brings its own, newer
FFmpeg, and only durations were seen to differ on MPR's outputs: an MP4's by up to 2 ms (edit
lists), an MP3's by tens of milliseconds (FFmpeg 8 leaves out the encoder's delay and
padding). tests/integration/media.probe_output holds both probers to that."""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import av
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.stream import Disposition, Stream
from av.video.stream import VideoStream

from mpr.adapters.ffmpeg.prober import media_info
from mpr.domain.errors import ProbeError
from mpr.domain.media import MediaInfo

_MICROSECONDS = 1_000_000  # FFmpeg's AV_TIME_BASE: container durations are in these


def probe_file(path: str) -> MediaInfo:
    """MediaInfo of a local file read by PyAV (blocking: call it in a thread)."""
    try:
        size = os.stat(path).st_size
        with av.open(path, metadata_errors="ignore") as container:
            if not isinstance(container, InputContainer):  # pragma: no cover - mode "r"
                raise ProbeError("not opened for reading")
            data = ffprobe_shaped(container, path, size)
    except (av.FFmpegError, OSError, ValueError) as e:
        # strerror leaves out the path, which the message must not show
        raise ProbeError(getattr(e, "strerror", None) or type(e).__name__) from e
    return media_info(data, path)


def ffprobe_shaped(container: InputContainer, path: str, size: int) -> dict[str, Any]:
    """What `ffprobe -show_format -show_streams -print_format json` says of the container."""
    duration = _seconds(container.duration, Fraction(1, _MICROSECONDS))
    fmt: dict[str, Any] = {
        "filename": path,
        "nb_streams": len(container.streams),
        "format_name": container.format.name,
        "format_long_name": container.format.long_name,
        "duration": duration,
        "size": str(size),
        "bit_rate": _text(container.bit_rate or None),
        "tags": dict(container.metadata),
    }
    return {"streams": [_stream(s) for s in container.streams],
            "format": {k: v for k, v in fmt.items() if v is not None}}


def _stream(stream: Stream) -> dict[str, Any]:
    codec = stream.codec_context
    data: dict[str, Any] = {
        "index": stream.index,
        # the codec's name, as ffprobe gives it ("mp3"), not the decoder's ("mp3float")
        "codec_name": codec.codec.canonical_name if codec is not None else None,
        "profile": codec.profile if codec is not None else None,
        "codec_type": stream.type,
        "time_base": _ratio(stream.time_base),
        "duration": _seconds(stream.duration, stream.time_base),
        "nb_frames": _text(stream.frames or None),
        "bit_rate": _text(codec.bit_rate or None) if codec is not None else None,
        "disposition": {"default": int(bool(stream.disposition & Disposition.default)),
                        "attached_pic": int(bool(stream.disposition & Disposition.attached_pic))},
        "tags": dict(stream.metadata),
    }
    if isinstance(stream, VideoStream):
        video = stream.codec_context
        data.update(width=video.width, height=video.height, pix_fmt=video.pix_fmt,
                    r_frame_rate=_ratio(stream.base_rate),
                    avg_frame_rate=_ratio(stream.average_rate))
    elif isinstance(stream, AudioStream):
        audio = stream.codec_context
        data.update(sample_rate=_text(audio.sample_rate), channels=audio.layout.nb_channels,
                    channel_layout=audio.layout.name,
                    sample_fmt=audio.format.name if audio.format else None)
    return {k: v for k, v in data.items() if v is not None}


def _seconds(value: int | None, time_base: Fraction | None) -> str | None:
    if value is None or time_base is None:
        return None
    return f"{float(value * time_base):.6f}"


def _ratio(value: Fraction | None) -> str:
    """A rational as ffprobe prints it ("25/1"; "0/0" when unknown)."""
    return "0/0" if value is None else f"{value.numerator}/{value.denominator}"


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)
