"""What a probe learns about a media file, and how files are recognised as media."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from mpr.domain.properties import bounded_properties

VIDEO_EXTENSIONS = frozenset(
    {"mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "ts", "mts", "m2ts",
     "flv", "wmv", "ogv", "3gp", "mxf"}
)
AUDIO_EXTENSIONS = frozenset(
    {"mp3", "m4a", "aac", "wav", "flac", "ogg", "oga", "opus", "wma", "aiff", "aif"}
)
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS
# Frame sizes MPR encodes from: larger ones take gigabytes per frame, smaller ones are broken.
MAX_FRAME_SIDE = 8192
MIN_FRAME_SIDE = 16
MIN_DURATION_TOLERANCE = 0.5  # seconds
RELATIVE_DURATION_TOLERANCE = 0.02


def extension_of(filename: str) -> str:
    """Lower-case extension of a file name without the dot ('' when none)."""
    name = filename.rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def duration_tolerance(expected: float) -> float:
    """How far a length may differ from the expected one: max(0.5 s, 2 %)."""
    return max(MIN_DURATION_TOLERANCE, RELATIVE_DURATION_TOLERANCE * expected)


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

    def frame_size_problem(self) -> str | None:
        """Why the video's frame size is outside what MPR encodes from, or None when it fits."""
        if self.width is None or self.height is None:
            return "its video has no known frame size"
        size = f"{self.width}x{self.height}"
        if max(self.width, self.height) > MAX_FRAME_SIDE:
            return f"its video is {size}, larger than {MAX_FRAME_SIDE} px on a side"
        if min(self.width, self.height) < MIN_FRAME_SIDE:
            return f"its video is {size}, smaller than {MIN_FRAME_SIDE} px on a side"
        return None

    def bounded(self) -> MediaInfo:
        """The same metadata with `properties` cut to the bounds an asset may keep."""
        return replace(self, properties=bounded_properties(self.properties))
