"""Parse ffmpeg's `-progress` key=value blocks into domain Progress values."""

from __future__ import annotations

import math

from mpr.domain.job import Progress


class ProgressParser:
    """Feed it ffmpeg's progress lines; every finished block yields one Progress."""

    def __init__(self, expected_duration: float | None) -> None:
        usable = expected_duration is not None and expected_duration > 0
        self._expected = expected_duration if usable else None
        self._block: dict[str, str] = {}

    def feed(self, line: str) -> Progress | None:
        """Take one line; return the block's Progress when the line ends a block."""
        key, sep, value = line.strip().partition("=")
        if not sep:
            return None
        if key != "progress":
            self._block[key] = value.strip()
            return None
        block, self._block = self._block, {}
        return block_progress(block, self._expected, finished=value.strip() == "end")


def block_progress(block: dict[str, str], expected: float | None, *, finished: bool) -> Progress:
    """Progress of one block: percent of the expected duration, capped to [0, 100]."""
    current = media_time(block)
    speed = parse_speed(block.get("speed"))
    if finished:
        return Progress(percent=100.0, current_time=current, speed=speed, eta=0.0)
    if expected is None or current is None:
        return Progress(percent=0.0, current_time=current, speed=speed)
    percent = min(100.0, max(0.0, current / expected * 100.0))
    eta = max(0.0, expected - current) / speed if speed else None
    return Progress(percent=percent, current_time=current, speed=speed, eta=eta)


def media_time(block: dict[str, str]) -> float | None:
    """Seconds of output written, from out_time_us or else out_time; None when unknown."""
    micros = _float(block.get("out_time_us"))
    if micros is not None:
        return max(0.0, micros / 1_000_000)
    return parse_clock(block.get("out_time"))


def parse_clock(value: str | None) -> float | None:
    """'HH:MM:SS.ffffff' (possibly negative at the very start) as non-negative seconds."""
    if not value:
        return None
    parts = value.strip().lstrip("-").split(":")
    numbers = [_float(part) for part in parts]
    if len(numbers) != 3 or any(n is None for n in numbers):
        return None
    hours, minutes, seconds = (n or 0.0 for n in numbers)
    return 0.0 if value.strip().startswith("-") else hours * 3600 + minutes * 60 + seconds


def parse_speed(value: str | None) -> float | None:
    """'1.23x' as 1.23; None for 'N/A', zero or garbage (no meaningful ETA then)."""
    speed = _float(value.strip().removesuffix("x")) if value else None
    return speed if speed is not None and speed > 0 else None


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
