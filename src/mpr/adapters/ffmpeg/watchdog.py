"""The job watchdog: an encode that stops advancing, or runs too long, is stopped.

It lives in the transcoder's supervision because only there are ffmpeg's raw progress blocks
seen (the pipeline gets them throttled) and the process is at hand to stop; so it guards an
encode wherever it runs, a local worker or a Lambda."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from mpr.domain.errors import TranscodeTimeout
from mpr.domain.job import Progress

T = TypeVar("T")
DEFAULT_STALL_TIMEOUT = 120.0
DEFAULT_JOB_TIMEOUT = 6 * 3600.0


class Watchdog:
    """Times one encode: TranscodeTimeout once its media time has not advanced for
    stall_timeout seconds, or once it has run job_timeout seconds in all."""

    def __init__(self, stall_timeout: float, job_timeout: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stall, self._limit, self._clock = stall_timeout, job_timeout, clock
        self._started = self._advanced = clock()
        self._reached: float | None = None

    def saw(self, progress: Progress) -> None:
        """Note a progress block; only a media time further than any before counts."""
        reached = progress.current_time
        if reached is not None and (self._reached is None or reached > self._reached):
            self._reached = reached
            self._advanced = self._clock()

    def remaining(self) -> float:
        """Seconds until the watchdog stops the encode, unless it advances meanwhile."""
        deadline = min(self._advanced + self._stall, self._started + self._limit)
        return max(0.0, deadline - self._clock())

    def verdict(self) -> TranscodeTimeout:
        """Why the encode is stopped, once remaining() reached zero: the earlier deadline.

        Decided by the deadlines, not by the clock: asyncio may wake a timer a millisecond
        early, which made an encode stopped at its job timeout read as stalled."""
        if self._started + self._limit <= self._advanced + self._stall:
            return TranscodeTimeout(
                f"the job ran past MPR_JOB_TIMEOUT ({duration_text(self._limit)}); stopped")
        return TranscodeTimeout(
            f"ffmpeg made no progress for {duration_text(self._stall)}; stopped")

    async def guard(self, awaitable: Awaitable[T]) -> T:
        """Await it, but no longer than the watchdog allows."""
        try:
            return await asyncio.wait_for(awaitable, self.remaining())
        except TimeoutError:
            raise self.verdict() from None


def duration_text(seconds: float) -> str:
    """A limit as people set it: '6 h', '90 min', '2 s'."""
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"
