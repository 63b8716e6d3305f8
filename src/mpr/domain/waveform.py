"""An audio waveform for the timeline: min/max peaks over equal slices of the decoded audio,
computed from a stream of samples in memory bounded by the number of peaks asked for."""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass

PEAKS = 1000  # min/max pairs per waveform: a timeline is rarely wider in device pixels
SAMPLE_RATE = 8000  # Hz of the mono decode the peaks are taken from
_FULL_SCALE = 32768  # signed 16-bit samples
_DIGITS = 3  # decimals kept per peak in the JSON (a pixel's worth on any screen)


@dataclass(frozen=True, slots=True)
class Waveform:
    """`peaks` min/max pairs in [-1, 1], each over an equal slice of `duration` seconds."""

    peaks: tuple[tuple[float, float], ...]
    duration: float
    sample_rate: int

    def to_json(self) -> bytes:
        """The JSON the timeline draws: {"duration", "sampleRate", "peaks": [[min, max]...]}."""
        body = {"duration": round(self.duration, 3), "sampleRate": self.sample_rate,
                "peaks": [[round(lo, _DIGITS), round(hi, _DIGITS)] for lo, hi in self.peaks]}
        return json.dumps(body, separators=(",", ":")).encode()


_FINE = 4  # blocks held per peak, at least: a peak's slice is placed within a quarter of it


class PeakAccumulator:
    """Takes signed 16-bit samples in chunks of any size and keeps between 4 x `count` and
    8 x `count` min/max blocks of equal length: when they reach 8 x `count`, neighbours merge
    and the block length doubles. The total length need not be known in advance; the peaks'
    slices are cut on block boundaries, so each lies within a quarter of a slice of its time."""

    def __init__(self, count: int = PEAKS, sample_rate: int = SAMPLE_RATE) -> None:
        if count < 1 or sample_rate < 1:
            raise ValueError("a waveform needs at least one peak and a positive sample rate")
        self._count = count
        self._rate = sample_rate
        self._block = 1  # samples per block
        self._mins = array("h")
        self._maxs = array("h")
        self._rest = array("h")  # the samples of the block not yet complete
        self._samples = 0

    @property
    def samples(self) -> int:
        return self._samples

    @property
    def blocks(self) -> int:
        """How many min/max blocks are held (under 8 x count: the memory bound)."""
        return len(self._mins)

    def add(self, samples: array[int]) -> None:
        """Count these samples (array of type 'h'), in stream order."""
        self._samples += len(samples)
        data = self._rest + samples if self._rest else samples
        at = 0
        while len(data) - at >= self._block:
            block = data[at:at + self._block]
            self._mins.append(min(block))
            self._maxs.append(max(block))
            at += self._block
            if len(self._mins) >= 2 * _FINE * self._count:
                self._merge()
        self._rest = data[at:]

    def _merge(self) -> None:
        """Halve the blocks: each pair of neighbours becomes one twice as long."""
        mins, maxs = self._mins, self._maxs
        self._mins = array("h", map(min, mins[0::2], mins[1::2]))
        self._maxs = array("h", map(max, maxs[0::2], maxs[1::2]))
        self._block *= 2

    def waveform(self) -> Waveform:
        """The `count` peaks over the samples seen so far; ValueError when there were none."""
        mins, maxs = array("h", self._mins), array("h", self._maxs)
        if self._rest:  # the last, shorter block
            mins.append(min(self._rest))
            maxs.append(max(self._rest))
        if not mins:
            raise ValueError("no audio samples")
        peaks = tuple(_span(mins, maxs, i, self._count) for i in range(self._count))
        return Waveform(peaks, self._samples / self._rate, self._rate)


def _span(mins: array[int], maxs: array[int], index: int, count: int) -> tuple[float, float]:
    """Peak `index` of `count`: the extremes of the blocks its slice of the time covers (the
    block under it when there are fewer blocks than peaks)."""
    blocks = len(mins)
    first = index * blocks // count
    last = max(first + 1, (index + 1) * blocks // count)
    return min(mins[first:last]) / _FULL_SCALE, max(maxs[first:last]) / _FULL_SCALE
