"""Storyboards: one sprite sheet of tiles over a video and the WebVTT file mapping time ranges
to tiles (`sprite.jpg#xywh=x,y,w,h`, the format Mux and video.js thumbnails read).

A storyboard is planned from the asset's duration and frame size alone, so the sprite made
once and the WebVTT written on each request always agree."""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_TILES = 100
COLUMNS = 10
TILE_WIDTH = 160
_STEPS = (1, 2, 5)  # seconds between tiles: 1, 2, 5, 10, 20, 50, 100... (at least 1 s)


@dataclass(frozen=True, slots=True)
class StoryboardPlan:
    """How a video's storyboard is cut: one tile every `step` seconds, `columns` to a row."""

    duration: float
    step: int
    count: int
    tile_width: int
    tile_height: int
    columns: int = COLUMNS

    @property
    def rows(self) -> int:
        return math.ceil(self.count / self.columns)

    @property
    def cache_name(self) -> str:
        """What names the sprite in a cache: everything that changes its pixels."""
        return f"sprite-{self.tile_width}x{self.tile_height}-{self.step}-{self.count}"

    def tile(self, index: int) -> tuple[float, float, int, int]:
        """(start, end, x, y) of a tile: the time range it stands for and where it lies."""
        start = index * self.step
        end = min(self.duration, start + self.step)
        row, column = divmod(index, self.columns)
        return start, end, column * self.tile_width, row * self.tile_height


def plan_storyboard(duration: float, width: int, height: int) -> StoryboardPlan:
    """The plan for a video: at most MAX_TILES tiles, TILE_WIDTH wide with the video's aspect
    (even height), one every 1, 2 or 5 times a power of ten seconds."""
    length = max(duration, 0.001)
    step = _step(length)
    count = max(1, math.ceil(length / step))
    tile_height = max(2, round(TILE_WIDTH * height / width / 2) * 2)
    return StoryboardPlan(length, step, count, TILE_WIDTH, tile_height, min(COLUMNS, count))


def _step(duration: float) -> int:
    decade = 1
    while True:
        for mantissa in _STEPS:
            if duration <= mantissa * decade * MAX_TILES:
                return mantissa * decade
        decade *= 10


def webvtt(plan: StoryboardPlan, sprite_url: str) -> str:
    """The WebVTT file: one cue per tile, its payload the sprite's URL with the tile's box."""
    cues = ["WEBVTT", ""]
    for index in range(plan.count):
        start, end, x, y = plan.tile(index)
        cues += [f"{_clock(start)} --> {_clock(end)}",
                 f"{sprite_url}#xywh={x},{y},{plan.tile_width},{plan.tile_height}", ""]
    return "\n".join(cues)


def _clock(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
