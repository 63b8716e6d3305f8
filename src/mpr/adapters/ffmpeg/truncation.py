"""Cheap truncation check of a probed source: can its last second be read?

A cut-off MP4 (its index up front, its data partly gone) probes with the full duration; ffmpeg
then encodes what is there and exits 0. Reading the packets from one second before the end
shows it: a complete file yields packets up to its duration, a truncated one stops where its
data stops (or yields none, when the index points past the end of the file).

Only containers whose duration comes from a header or an index are checked (MP4/MOV,
Matroska/WebM, FLAC, AVI): where the duration is estimated from the file size or read at
its end (MP3, ADTS, WAV, MPEG-TS, Ogg), a truncated file reports its real, shorter length,
and an MP3 without a Xing header overestimates a complete file's duration."""

from __future__ import annotations

import json
from typing import Any

from mpr.domain.media import MediaInfo, duration_tolerance

TAIL_SECONDS = 1.0
_INDEXED_DEMUXERS = frozenset({"mov", "matroska", "flac", "avi"})


def tail_start(info: MediaInfo) -> float | None:
    """Where to start reading the tail (seconds, as ffprobe counts them); None: no check."""
    fmt: dict[str, Any] = info.properties.get("format") or {}
    demuxer = str(fmt.get("format_name", "")).split(",")[0]
    if info.duration is None or demuxer not in _INDEXED_DEMUXERS:
        return None
    return _start_time(fmt) + max(0.0, info.duration - TAIL_SECONDS)


def tail_args(start: float) -> list[str]:
    """ffprobe options that list the timing of every packet from `start` to the end."""
    return ["-v", "error", "-print_format", "json", "-read_intervals", f"{start:.3f}%",
            "-show_entries", "packet=pts_time,dts_time,duration_time"]


def truncation_reason(info: MediaInfo, packets_json: bytes) -> str | None:
    """Why the file appears truncated, or None when its media data reaches its duration."""
    duration = info.duration
    if duration is None:
        return None
    try:
        packets = json.loads(packets_json).get("packets") or []
    except (ValueError, AttributeError):
        packets = []
    ends = [end for end in map(_packet_end, packets) if end is not None]
    if not ends:
        return (f"the file appears truncated: no media data can be read in its last second "
                f"(of {duration:.1f} s)")
    reached = max(ends) - _start_time(info.properties.get("format") or {})
    if reached >= duration - duration_tolerance(duration):
        return None
    return f"the file appears truncated: media data ends at {reached:.1f} s of {duration:.1f} s"


def _packet_end(packet: dict[str, Any]) -> float | None:
    start = _seconds(packet.get("pts_time"))
    if start is None:
        start = _seconds(packet.get("dts_time"))
    if start is None:
        return None
    return start + (_seconds(packet.get("duration_time")) or 0.0)


def _start_time(fmt: dict[str, Any]) -> float:
    return _seconds(fmt.get("start_time")) or 0.0


def _seconds(value: object) -> float | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None
