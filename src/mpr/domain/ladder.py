"""Adaptive-streaming ladders: the renditions one encode makes, cut down to the source.

A ladder preset writes a package (HLS, or CMAF segments with HLS and DASH manifests) instead
of one file. Its renditions are written as text, highest first, `BOXxBOX@BITRATE` each:
`1920x1080@5000k,1280x720@2800k`. Each rendition fits its box like a preset's resolution
(keep aspect, never upscale); renditions a source cannot fill are left out of its job."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpr.domain.errors import ValidationError

HLS = "hls"
CMAF = "cmaf"
LADDER_CONTAINERS = frozenset({HLS, CMAF})
MAX_RENDITIONS = 6
SEGMENT_SECONDS = 4  # keyframes are forced on this grid in every rendition
# Bits per second a rendition may ask for: (lowest, highest).
RENDITION_BITRATE_RANGE = (64_000, 50_000_000)
STANDARD_LADDER = "1920x1080@5000k,1280x720@2800k,854x480@1400k,640x360@800k"

_RENDITION = re.compile(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})@([1-9][0-9]{0,5})k")


@dataclass(frozen=True, slots=True)
class Rendition:
    """One video rung: a box to fit in and a target bitrate (kbit/s)."""

    width: int
    height: int
    kbps: int

    @property
    def text(self) -> str:
        return f"{self.width}x{self.height}@{self.kbps}k"

    def fitted(self, source_width: int, source_height: int) -> tuple[int, int]:
        """The frame size this rung gives a source: inside the box, never upscaled, even."""
        scale = min(1.0, self.width / source_width, self.height / source_height)
        return (_even(source_width * scale), _even(source_height * scale))


def parse_renditions(text: str) -> tuple[Rendition, ...]:
    """The renditions a ladder text names; ValidationError when malformed or out of order."""
    parts = text.split(",")
    if not 1 <= len(parts) <= MAX_RENDITIONS:
        raise ValidationError(f"a ladder has 1 to {MAX_RENDITIONS} renditions, "
                              f"not {len(parts)}")
    renditions = tuple(_rendition(part) for part in parts)
    heights = [r.height for r in renditions]
    if heights != sorted(set(heights), reverse=True):
        raise ValidationError("ladder renditions must be listed highest first, each of a "
                              f"different height: {text!r}")
    return renditions


def _rendition(part: str) -> Rendition:
    match = _RENDITION.fullmatch(part)
    if match is None:
        raise ValidationError(f"ladder rendition {part!r} must look like 1280x720@2800k")
    rendition = Rendition(*(int(g) for g in match.groups()))
    low, high = RENDITION_BITRATE_RANGE
    if not low <= rendition.kbps * 1000 <= high:
        raise ValidationError(f"ladder rendition {part!r}: bitrate must be between "
                              f"{low // 1000}k and {high // 1000}k")
    return rendition


def fit_to_source(renditions: tuple[Rendition, ...], width: int, height: int
                  ) -> tuple[Rendition, ...]:
    """The renditions a source of this size gets: those that would not upscale it; when two
    give the same frame size, the one with the smaller box (closest to what it makes); at
    least the lowest rung, which then makes the source's own size."""
    kept: dict[tuple[int, int], Rendition] = {}
    for rung in renditions:
        if rung.height > height and rung.width > width:
            continue  # the source cannot fill this box
        kept[rung.fitted(width, height)] = rung  # later (smaller) boxes replace earlier ones
    return tuple(kept.values()) or renditions[-1:]


def dash_manifest(master: str) -> str:
    """The DASH MPD beside a CMAF package's master playlist: the same stem, '.mpd'."""
    stem, dot, _ = master.rpartition(".")
    return f"{stem if dot else master}.mpd"


def renditions_text(renditions: tuple[Rendition, ...]) -> str:
    """The ladder text of these renditions."""
    return ",".join(r.text for r in renditions)


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)
