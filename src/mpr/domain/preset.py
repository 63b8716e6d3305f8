"""TranscodePreset: a validated encoding configuration."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from mpr.domain.errors import ValidationError

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
}
CONTAINERS = frozenset(CONTAINER_CODECS)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_RESOLUTION = re.compile(r"^([1-9][0-9]{1,4})x([1-9][0-9]{1,4})$")
_BITRATE = re.compile(r"^[1-9][0-9]{0,6}[kKmM]?$")
_VIDEO_PRESET = re.compile(r"^[a-z0-9]{1,16}$")
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
    container: str | None = None  # None only for stream copy: keep the source's container
    video_codec: str | None = None
    video_bitrate: str | None = None
    video_crf: int | None = None
    video_preset: str | None = None
    resolution: str | None = None
    framerate: float | None = None
    audio_codec: str | None = None
    audio_bitrate: str | None = None
    audio_channels: int | None = None
    audio_samplerate: int | None = None
    description: str = ""
    is_builtin: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_stream_copy(self) -> bool:
        """True when nothing is re-encoded (remux or cut)."""
        return self.video_codec in (COPY, None) and self.audio_codec in (COPY, None)

    @property
    def needs_video(self) -> bool:
        """True when the preset encodes or copies a video stream."""
        return self.video_codec is not None and self.video_codec != COPY

    @property
    def box(self) -> tuple[int, int] | None:
        """The resolution box as (width, height), if any."""
        if self.resolution is None:
            return None
        match = _RESOLUTION.match(self.resolution)
        return (int(match.group(1)), int(match.group(2))) if match else None

    def __post_init__(self) -> None:
        validate_preset(self)

    def evolve(self, **changes: object) -> TranscodePreset:
        """A copy with changes applied, validated again."""
        return replace(self, **changes)  # type: ignore[arg-type]


def validate_preset(p: TranscodePreset) -> None:
    """Refuse presets ffmpeg could not run or that could touch arbitrary files."""
    _check(bool(_NAME.match(p.name)),
           f"preset name {p.name!r} must be 1-64 letters, digits, '.', '_' or '-'")
    _check(p.video_codec is None or p.video_codec in VIDEO_CODECS,
           f"unknown video codec {p.video_codec!r}; allowed: {', '.join(sorted(VIDEO_CODECS))}")
    _check(p.audio_codec is None or p.audio_codec in AUDIO_CODECS,
           f"unknown audio codec {p.audio_codec!r}; allowed: {', '.join(sorted(AUDIO_CODECS))}")
    _check(p.video_codec is not None or p.audio_codec is not None,
           "a preset needs a video codec, an audio codec or both")
    _check_container(p)
    _check_video_settings(p)
    _check_audio_settings(p)


def _check_container(p: TranscodePreset) -> None:
    if p.container is None:
        _check(p.is_stream_copy, "only a stream-copy preset may leave the container unset")
        return
    _check(p.container in CONTAINERS,
           f"unknown container {p.container!r}; allowed: {', '.join(sorted(CONTAINERS))}")
    video_ok, audio_ok = CONTAINER_CODECS[p.container]
    _check(p.video_codec is None or p.video_codec in video_ok,
           f"container {p.container} cannot hold video codec {p.video_codec}")
    _check(p.audio_codec is None or p.audio_codec in audio_ok,
           f"container {p.container} cannot hold audio codec {p.audio_codec}")


def _check_video_settings(p: TranscodePreset) -> None:
    encodes = p.needs_video
    has_settings = any(v is not None for v in (p.video_bitrate, p.video_crf, p.video_preset,
                                               p.resolution, p.framerate))
    _check(encodes or not has_settings,
           "video settings need a video codec that encodes (not 'copy' or none)")
    _check(p.video_bitrate is None or bool(_BITRATE.match(p.video_bitrate)),
           f"video bitrate {p.video_bitrate!r} must look like 2500k or 5M")
    _check(p.video_crf is None or 0 <= p.video_crf <= 63, "video CRF must be between 0 and 63")
    _check(p.video_preset is None or bool(_VIDEO_PRESET.match(p.video_preset)),
           f"video preset {p.video_preset!r} must be a short lower-case word or number")
    allowed = VIDEO_PRESETS.get(p.video_codec or "")
    _check(p.video_preset is None or allowed is None or p.video_preset in allowed,
           f"video preset {p.video_preset!r} is not valid for {p.video_codec}; "
           f"allowed: {', '.join(sorted(allowed or ()))}")
    _check(p.resolution is None or bool(_RESOLUTION.match(p.resolution)),
           f"resolution {p.resolution!r} must look like 1280x720")
    _check(p.framerate is None or 1 <= p.framerate <= 240, "framerate must be between 1 and 240")


def _check_audio_settings(p: TranscodePreset) -> None:
    encodes = p.audio_codec is not None and p.audio_codec != COPY
    has_settings = any(v is not None for v in (p.audio_bitrate, p.audio_channels,
                                               p.audio_samplerate))
    _check(encodes or not has_settings,
           "audio settings need an audio codec that encodes (not 'copy' or none)")
    _check(p.audio_bitrate is None or bool(_BITRATE.match(p.audio_bitrate)),
           f"audio bitrate {p.audio_bitrate!r} must look like 128k")
    _check(p.audio_channels is None or 1 <= p.audio_channels <= 8,
           "audio channels must be between 1 and 8")
    rates = CODEC_SAMPLERATES.get(p.audio_codec or "", AUDIO_SAMPLERATES)
    _check(p.audio_samplerate is None or p.audio_samplerate in rates,
           f"audio sample rate for {p.audio_codec} must be one of {sorted(rates)}")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValidationError(message)
