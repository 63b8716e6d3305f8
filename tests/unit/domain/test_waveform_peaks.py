from __future__ import annotations

import json
import math
from array import array

import pytest

from mpr.domain.waveform import PeakAccumulator, Waveform


def tone(seconds: float, rate: int, amplitude: int = 16384, hz: float = 440) -> array[int]:
    return array("h", (round(amplitude * math.sin(2 * math.pi * hz * i / rate))
                       for i in range(round(seconds * rate))))


def peaks_of(samples: array[int], count: int, rate: int = 8000, chunk: int = 4096) -> Waveform:
    accumulator = PeakAccumulator(count, rate)
    for at in range(0, len(samples), chunk):
        accumulator.add(samples[at:at + chunk])
    return accumulator.waveform()


def test_a_tone_then_silence_shows_the_tone_in_the_first_half_and_nothing_after():
    rate = 8000
    samples = tone(2, rate) + array("h", bytes(2 * 2 * rate))

    waveform = peaks_of(samples, 100, rate)

    assert len(waveform.peaks) == 100
    assert waveform.duration == pytest.approx(4.0)
    loud, quiet = waveform.peaks[:49], waveform.peaks[51:]
    assert all(lo == pytest.approx(-0.5, abs=0.01) and hi == pytest.approx(0.5, abs=0.01)
               for lo, hi in loud)
    assert set(quiet) == {(0.0, 0.0)}


@pytest.mark.parametrize("chunk", [1, 3, 1000, 10**6])
def test_the_peaks_do_not_depend_on_how_the_stream_is_cut(chunk):
    samples = array("h", ((i * 7919) % 65536 - 32768 for i in range(50_000)))

    assert peaks_of(samples, 300, chunk=chunk) == peaks_of(samples, 300, chunk=50_000)


def as_ints(waveform: Waveform) -> list[tuple[int, int]]:
    return [(round(lo * 32768), round(hi * 32768)) for lo, hi in waveform.peaks]


def test_each_peak_holds_the_extremes_of_its_slice_of_the_stream():
    samples = array("h", range(-2048, 2048))  # rising: each slice spans its own values

    waveform = peaks_of(samples, 4)

    assert as_ints(waveform) == [(-2048, -1025), (-1024, -1), (0, 1023), (1024, 2047)]


def test_slices_of_a_stream_of_any_length_are_placed_within_a_quarter_slice():
    samples = array("h", range(-5000, 5000))  # 10,000 samples: slices of 1,000 ideally

    firsts = [lo + 5000 for lo, _ in as_ints(peaks_of(samples, 10))]

    assert all(abs(first - 1000 * i) <= 250 for i, first in enumerate(firsts))
    assert firsts == sorted(firsts)


def test_a_click_lands_in_the_peak_at_its_time():
    samples = array("h", bytes(2 * 80_000))  # 10 s of silence at 8 kHz
    samples[60_000] = 30_000  # at 7.5 s

    waveform = peaks_of(samples, 1000)

    loud = [i for i, (_, hi) in enumerate(waveform.peaks) if hi > 0]
    assert loud == [750]


def test_fewer_samples_than_peaks_still_gives_every_peak_in_order():
    waveform = peaks_of(array("h", [100, -200, 300]), 6)

    assert [round(hi * 32768) for _, hi in waveform.peaks] == [100, 100, -200, -200, 300, 300]


def test_memory_stays_bounded_by_the_peak_count_however_long_the_stream():
    accumulator = PeakAccumulator(50, 8000)
    chunk = array("h", range(-1000, 1000))
    held = []

    for _ in range(2000):  # 4 million samples
        accumulator.add(chunk)
        held.append(accumulator.blocks)

    assert max(held) < 8 * 50
    assert len(accumulator.waveform().peaks) == 50
    assert accumulator.samples == 4_000_000


def test_no_samples_is_an_error_not_a_flat_line():
    with pytest.raises(ValueError, match="no audio samples"):
        PeakAccumulator(10).waveform()


def test_full_scale_samples_stay_within_minus_one_and_one():
    waveform = peaks_of(array("h", [-32768, 32767] * 100), 10)

    assert {lo for lo, _ in waveform.peaks} == {-1.0}
    assert {hi for _, hi in waveform.peaks} == {32767 / 32768}


def test_the_json_has_the_duration_the_rate_and_rounded_pairs():
    waveform = Waveform(((-0.12345, 0.5), (0.0, 0.0)), 1.23456, 8000)

    body = json.loads(waveform.to_json())

    assert body == {"duration": 1.235, "sampleRate": 8000, "peaks": [[-0.123, 0.5], [0, 0]]}


def test_refuses_a_waveform_of_no_peaks():
    with pytest.raises(ValueError, match="at least one peak"):
        PeakAccumulator(0)
