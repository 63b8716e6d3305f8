"""What a probe learns about a media file, and how files are recognised as media."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VIDEO_EXTENSIONS = frozenset(
    {"mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "ts", "mts", "m2ts",
     "flv", "wmv", "ogv", "3gp", "mxf"}
)
AUDIO_EXTENSIONS = frozenset(
    {"mp3", "m4a", "aac", "wav", "flac", "ogg", "oga", "opus", "wma", "aiff", "aif"}
)
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS


def extension_of(filename: str) -> str:
    """Lower-case extension of a file name without the dot ('' when none)."""
    name = filename.rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def is_media_filename(filename: str) -> bool:
    """True when the name's extension is a known audio or video extension."""
    return extension_of(filename) in MEDIA_EXTENSIONS


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Technical metadata of one media file, as ffprobe reports it."""

    duration: float | None = None
    container: str | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    width: int | None = None
    height: int | None = None
    framerate: float | None = None
    bitrate: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None
