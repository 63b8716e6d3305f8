"""TranscodePreset: a validated encoding configuration."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import InitVar, dataclass, fields, replace
from datetime import datetime
from typing import Any

from mpr.domain.errors import ValidationError
from mpr.domain.ladder import LADDER_CONTAINERS, parse_renditions
from mpr.domain.text import check_free_text

COPY = "copy"
VIDEO_CODECS = frozenset({"libx264", "libx265", "libvpx-vp9", "libsvtav1", COPY})
AUDIO_CODECS = frozenset({"aac", "libopus", "libmp3lame", COPY})

# Which codecs each container can hold ('copy' is checked against the source at run time).
CONTAINER_CODECS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "mp4": (frozenset({"libx264", "libx265", "libsvtav1", COPY}),
            frozenset({"aac", "libmp3lame", "libopus", COPY})),
    "mov": (frozenset({"libx264", "libx265", COPY}), frozenset({"aac", "libmp3lame", COPY})),
    "mkv": (VIDEO_CODECS, AUDIO_CODECS),
    "webm": (frozenset({"libvpx-vp9", "libsvtav1", COPY}), frozenset({"libopus", COPY})),
    "mp3": (frozenset(), frozenset({"libmp3lame", COPY})),
    "m4a": (frozenset(), frozenset({"aac", COPY})),
    "ogg": (frozenset(), frozenset({"libopus", COPY})),
    # Ladders (domain/ladder.py): H.264 renditions, AAC audio; browsers play nothing else there.
    "hls": (frozenset({"libx264"}), frozenset({"aac"})),
    "cmaf": (frozenset({"libx264"}), frozenset({"aac"})),
}
CONTAINERS = frozenset(CONTAINER_CODECS)

# Patterns are matched with fullmatch: a trailing newline must not pass.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_RESOLUTION = re.compile(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})")
_BITRATE = re.compile(r"([1-9][0-9]{0,6})([kKmM]?)")
_VIDEO_PRESET = re.compile(r"[a-z0-9]{1,16}")
MAX_DESCRIPTION_LENGTH = 2_000
_BITRATE_UNITS = {"": 1, "k": 1_000, "m": 1_000_000}
# Bits per second a preset may ask for: (lowest, highest).
VIDEO_BITRATE_RANGE = (8_000, 500_000_000)
AUDIO_BITRATE_RANGE = (8_000, 1_024_000)
# Encoders with a narrower top rate; libopus takes at most 256 kbit/s per channel.
AUDIO_BITRATE_MAX = {"libmp3lame": 320_000}
OPUS_MAX_PER_CHANNEL = 256_000
# CRF each encoder accepts (SVT-AV1 silently replaces 0 by its default).
CRF_RANGES: dict[str, tuple[int, int]] = {
    "libx264": (0, 51), "libx265": (0, 51), "libvpx-vp9": (0, 63), "libsvtav1": (1, 63),
}
AUDIO_SAMPLERATES = frozenset({8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000})
_X26X_PRESETS = frozenset({"ultrafast", "superfast", "veryfast", "faster", "fast", "medium",
                           "slow", "slower", "veryslow", "placebo"})
# Speed settings each encoder accepts (vp9: -cpu-used, SVT-AV1: -preset).
VIDEO_PRESETS: dict[str, frozenset[str]] = {
    "libx264": _X26X_PRESETS, "libx265": _X26X_PRESETS,
    "libvpx-vp9": frozenset(str(n) for n in range(9)),
    "libsvtav1": frozenset(str(n) for n in range(14)),
}
# Sample rates the encoders accept; aac takes every rate of AUDIO_SAMPLERATES.
CODEC_SAMPLERATES: dict[str, frozenset[int]] = {
    "libopus": frozenset({8000, 16000, 24000, 48000}),
    "libmp3lame": frozenset({8000, 16000, 22050, 24000, 32000, 44100, 48000}),
}


@dataclass(frozen=True, slots=True)
class TranscodePreset:
    """How to encode: container, codecs and their settings; never free-form arguments."""

    id: uuid.UUID
    name: str
    description: str = ""
    container: str | None = None  # None only for stream copy: keep the source's container
    video_codec: str | None = None
    video_bitrate: str | None = None
    video_crf: int | None = None
    video_preset: str | None = None
    resolution: str | None = None
    framerate: float | None = None
    renditions: str | None = None  # a ladder's video rungs (domain/ladder.py), highest first
    audio_codec: str | None = None
    audio_bitrate: str | None = None
    audio_channels: int | None = None
    audio_samplerate: int | None = None
    is_builtin: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None  # the principal that made it: 'user:alice', 'token:ci'
    validate: InitVar[bool] = True

    @classmethod
    def restore(cls, **values: Any) -> TranscodePreset:
        """A preset as stored earlier, not checked again: rules tightened since then must not
        make stored presets and job snapshots unreadable (a new job checks its preset)."""
        return cls(**values, validate=False)

    @property
    def is_stream_copy(self) -> bool:
        """True when nothing is re-encoded (remux or cut)."""
        return self.video_codec in (COPY, None) and self.audio_codec in (COPY, None)

    @property
    def needs_video(self) -> bool:
        """True when the preset encodes or copies a video stream."""
        return self.video_codec is not None and self.video_codec != COPY

    @property
    def is_ladder(self) -> bool:
        """True when the preset writes an adaptive-streaming package of renditions."""
        return self.container in LADDER_CONTAINERS

    @property
    def box(self) -> tuple[int, int] | None:
        """The resolution box as (width, height), if any."""
        if self.resolution is None:
            return None
        match = _RESOLUTION.fullmatch(self.resolution)
        return (int(match.group(1)), int(match.group(2))) if match else None

    def __post_init__(self, validate: bool) -> None:
        if validate:
            validate_preset(self)

    def evolve(self, **changes: object) -> TranscodePreset:
        """A copy with changes applied, validated again."""
        return replace(self, **changes)  # type: ignore[arg-type]


# The one list of a preset's fields; transport types, forms and columns derive from it or a
# test holds them equal to it (tests/unit/test_preset_field_homes.py).
PRESET_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(TranscodePreset))
# Fields MPR sets itself; every other field is a setting a person edits.
MANAGED_FIELDS = frozenset({"id", "is_builtin", "created_at", "updated_at", "created_by"})
EDITABLE_FIELDS: tuple[str, ...] = tuple(n for n in PRESET_FIELDS if n not in MANAGED_FIELDS)


def validate_preset(p: TranscodePreset) -> None:
    """Refuse presets ffmpeg could not run or that could touch arbitrary files."""
    _check(p.name is not None, "a preset needs a name", "name")  # GraphQL lets null through
    _check(bool(_NAME.fullmatch(p.name)),
           f"preset name {p.name!r} must be 1-64 letters, digits, '.', '_' or '-'", "name")
    with _about("description"):
        check_free_text(p.description, "preset description", MAX_DESCRIPTION_LENGTH)
    _check(p.video_codec is None or p.video_codec in VIDEO_CODECS,
           f"unknown video codec {p.video_codec!r}; allowed: {', '.join(sorted(VIDEO_CODECS))}",
           "video_codec")
    _check(p.audio_codec is None or p.audio_codec in AUDIO_CODECS,
           f"unknown audio codec {p.audio_codec!r}; allowed: {', '.join(sorted(AUDIO_CODECS))}",
           "audio_codec")
    _check(p.video_codec is not None or p.audio_codec is not None,
           "a preset needs a video codec, an audio codec or both", "video_codec")
    _check_container(p)
    _check_ladder(p)
    _check_video_settings(p)
    _check_audio_settings(p)


def _check_container(p: TranscodePreset) -> None:
    if p.container is None:
        _check(p.is_stream_copy, "only a stream-copy preset may leave the container unset",
               "container")
        return
    _check(p.container in CONTAINERS,
           f"unknown container {p.container!r}; allowed: {', '.join(sorted(CONTAINERS))}",
           "container")
    video_ok, audio_ok = CONTAINER_CODECS[p.container]
    _check(p.video_codec is None or p.video_codec in video_ok,
           f"container {p.container} cannot hold video codec {p.video_codec}", "video_codec")
    _check(p.audio_codec is None or p.audio_codec in audio_ok,
           f"container {p.container} cannot hold audio codec {p.audio_codec}", "audio_codec")


def _check_ladder(p: TranscodePreset) -> None:
    """A ladder needs video and its renditions, which replace the single-output settings."""
    if not p.is_ladder:
        _check(p.renditions is None, "renditions are for ladder containers (hls, cmaf) only",
               "renditions")
        return
    _check(p.video_codec is not None and p.renditions is not None,
           f"a {p.container} ladder needs a video codec and its renditions",
           "video_codec" if p.video_codec is None else "renditions")
    _check(p.resolution is None and p.video_bitrate is None and p.video_crf is None,
           "a ladder sets each rendition's size and bitrate in renditions, not in resolution, "
           "video bitrate or CRF", _first_set(p, "resolution", "video_bitrate", "video_crf"))
    with _about("renditions"):
        parse_renditions(p.renditions or "")


def _check_video_settings(p: TranscodePreset) -> None:
    encodes = p.needs_video
    has_settings = any(v is not None for v in (p.video_bitrate, p.video_crf, p.video_preset,
                                               p.resolution, p.framerate, p.renditions))
    _check(encodes or not has_settings,
           "video settings need a video codec that encodes (not 'copy' or none)", "video_codec")
    if p.video_bitrate is not None:
        with _about("video_bitrate"):
            _check_bitrate(p.video_bitrate, "video", VIDEO_BITRATE_RANGE)
    low, high = CRF_RANGES.get(p.video_codec or "", (0, 63))
    _check(p.video_crf is None or low <= p.video_crf <= high,
           f"video CRF for {p.video_codec} must be between {low} and {high}", "video_crf")
    _check(p.video_preset is None or bool(_VIDEO_PRESET.fullmatch(p.video_preset)),
           f"video preset {p.video_preset!r} must be a short lower-case word or number",
           "video_preset")
    allowed = VIDEO_PRESETS.get(p.video_codec or "")
    _check(p.video_preset is None or allowed is None or p.video_preset in allowed,
           f"video preset {p.video_preset!r} is not valid for {p.video_codec}; "
           f"allowed: {', '.join(sorted(allowed or ()))}", "video_preset")
    _check(p.resolution is None or bool(_RESOLUTION.fullmatch(p.resolution)),
           f"resolution {p.resolution!r} must look like 1280x720", "resolution")
    _check(p.framerate is None or 1 <= p.framerate <= 240, "framerate must be between 1 and 240",
           "framerate")


def _check_audio_settings(p: TranscodePreset) -> None:
    encodes = p.audio_codec is not None and p.audio_codec != COPY
    has_settings = any(v is not None for v in (p.audio_bitrate, p.audio_channels,
                                               p.audio_samplerate))
    _check(encodes or not has_settings,
           "audio settings need an audio codec that encodes (not 'copy' or none)", "audio_codec")
    if p.audio_bitrate is not None:
        with _about("audio_bitrate"):
            _check_bitrate(p.audio_bitrate, "audio", (AUDIO_BITRATE_RANGE[0], _audio_max(p)))
    _check(p.audio_channels is None or 1 <= p.audio_channels <= 8,
           "audio channels must be between 1 and 8", "audio_channels")
    rates = CODEC_SAMPLERATES.get(p.audio_codec or "", AUDIO_SAMPLERATES)
    _check(p.audio_samplerate is None or p.audio_samplerate in rates,
           f"audio sample rate for {p.audio_codec} must be one of {sorted(rates)}",
           "audio_samplerate")


def bitrate_bps(text: str) -> int | None:
    """Bits per second of a bitrate written like 128k, 5M or 96000; None when malformed."""
    match = _BITRATE.fullmatch(text)
    if match is None:
        return None
    return int(match.group(1)) * _BITRATE_UNITS[match.group(2).lower()]


def _check_bitrate(text: str, kind: str, bounds: tuple[int, int]) -> None:
    bps = bitrate_bps(text)
    example = "2500k or 5M" if kind == "video" else "128k"
    _check(bps is not None, f"{kind} bitrate {text!r} must look like {example}", None)
    low, high = bounds
    _check(bps is not None and low <= bps <= high,
           f"{kind} bitrate {text!r} must be between {_kbits(low)} and {_kbits(high)}", None)


def _audio_max(p: TranscodePreset) -> int:
    if p.audio_codec == "libopus":
        return min(AUDIO_BITRATE_RANGE[1], OPUS_MAX_PER_CHANNEL * (p.audio_channels or 1))
    return AUDIO_BITRATE_MAX.get(p.audio_codec or "", AUDIO_BITRATE_RANGE[1])


def _kbits(bps: int) -> str:
    """A rate as a person writes it: 500M, 1024k."""
    if bps % 1_000_000 == 0:
        return f"{bps // 1_000_000}M"
    return f"{bps // 1000}k"


def _check(ok: bool, message: str, field: str | None) -> None:
    """Refuse with the message, naming the field at fault (None: a caller's `_about` does)."""
    if not ok:
        raise ValidationError(message, field=field)


@contextmanager
def _about(field: str) -> Iterator[None]:
    """A refusal raised inside (by a shared check) is about this field, unless it names one."""
    try:
        yield
    except ValidationError as error:
        if error.field is None:
            error.field = field
        raise


def _first_set(p: TranscodePreset, *names: str) -> str:
    return next((n for n in names if getattr(p, n) is not None), names[0])
