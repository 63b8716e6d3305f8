"""Parsing ffmpeg's -progress output into Progress values."""

from __future__ import annotations

import pytest

from mpr.adapters.ffmpeg.progress import ProgressParser, parse_clock, parse_speed
from mpr.domain.job import Progress


def block(*, out_time_us: str = "2500000", out_time: str = "00:00:02.500000",
          speed: str = "2.00x", progress: str = "continue") -> list[str]:
    return [
        "frame=60\n", "fps=30.00\n", "bitrate=1200.3kbits/s\n", "total_size=393216\n",
        f"out_time_us={out_time_us}\n", f"out_time_ms={out_time_us}\n",
        f"out_time={out_time}\n", "dup_frames=0\n", "drop_frames=0\n",
        f"speed={speed}\n", f"progress={progress}\n",
    ]


def feed_all(parser: ProgressParser, lines: list[str]) -> list[Progress]:
    results = [parser.feed(line) for line in lines]
    return [r for r in results if r is not None]


def test_a_block_reports_percent_time_speed_and_eta() -> None:
    parser = ProgressParser(expected_duration=10.0)

    reports = feed_all(parser, block())

    assert reports == [Progress(percent=25.0, current_time=2.5, speed=2.0, eta=3.75)]


def test_nothing_is_reported_before_the_block_ends() -> None:
    parser = ProgressParser(expected_duration=10.0)

    assert feed_all(parser, block()[:-1]) == []


def test_each_block_is_reported_separately() -> None:
    parser = ProgressParser(expected_duration=10.0)

    reports = feed_all(parser, block(out_time_us="1000000") + block(out_time_us="4000000"))

    assert [r.percent for r in reports] == [10.0, 40.0]


def test_unknown_microseconds_fall_back_to_the_clock_time() -> None:
    parser = ProgressParser(expected_duration=8.0)

    [report] = feed_all(parser, block(out_time_us="N/A", out_time="00:00:06.000000"))

    assert report.current_time == 6.0
    assert report.percent == 75.0


def test_unknown_time_reports_zero_percent_without_eta() -> None:
    parser = ProgressParser(expected_duration=8.0)

    [report] = feed_all(parser, block(out_time_us="N/A", out_time="N/A", speed="N/A"))

    assert report == Progress(percent=0.0, current_time=None, speed=None, eta=None)


def test_unknown_speed_gives_no_eta() -> None:
    parser = ProgressParser(expected_duration=10.0)

    [report] = feed_all(parser, block(speed="N/A"))

    assert report.speed is None
    assert report.eta is None
    assert report.percent == 25.0


def test_the_end_block_is_complete_whatever_the_time() -> None:
    parser = ProgressParser(expected_duration=10.0)

    [report] = feed_all(parser, block(out_time_us="9960000", progress="end"))

    assert report.percent == 100.0
    assert report.eta == 0.0
    assert report.current_time == pytest.approx(9.96)


def test_percent_is_capped_at_100_when_output_overshoots() -> None:
    parser = ProgressParser(expected_duration=2.0)

    [report] = feed_all(parser, block(out_time_us="2040000"))

    assert report.percent == 100.0
    assert report.eta == 0.0


def test_negative_start_times_count_as_zero() -> None:
    parser = ProgressParser(expected_duration=2.0)

    [report] = feed_all(parser, block(out_time_us="-23220", out_time="-00:00:00.023220"))

    assert report.percent == 0.0
    assert report.current_time == 0.0


@pytest.mark.parametrize("expected", [None, 0.0])
def test_without_an_expected_duration_percent_stays_zero_until_the_end(
        expected: float | None) -> None:
    parser = ProgressParser(expected_duration=expected)

    reports = feed_all(parser, block() + block(progress="end"))

    assert [r.percent for r in reports] == [0.0, 100.0]
    assert reports[0].eta is None


def test_noise_lines_are_ignored() -> None:
    parser = ProgressParser(expected_duration=10.0)

    reports = feed_all(parser, ["\n", "garbage\n", *block()])

    assert len(reports) == 1


@pytest.mark.parametrize(("text", "seconds"), [
    ("00:00:02.500000", 2.5), ("01:02:03.250000", 3723.25), ("N/A", None), ("", None),
    (None, None), ("12.5", None), ("-00:00:00.5", 0.0),
])
def test_clock_times_are_parsed(text: str | None, seconds: float | None) -> None:
    assert parse_clock(text) == seconds


@pytest.mark.parametrize(("text", "speed"), [
    ("1.23x", 1.23), (" 0.5x", 0.5), ("N/A", None), ("0x", None), ("", None), (None, None),
    ("inf", None),
])
def test_speeds_are_parsed(text: str | None, speed: float | None) -> None:
    assert parse_speed(text) == speed
