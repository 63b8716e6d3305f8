"""The job watchdog: stopped when the media time stalls or the job runs too long."""

import asyncio

import pytest

from mpr.adapters.ffmpeg.watchdog import Watchdog, duration_text
from mpr.domain.errors import TranscodeTimeout
from mpr.domain.job import Progress


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def at(seconds: float | None) -> Progress:
    return Progress(percent=0.0, current_time=seconds)


def test_advancing_media_time_keeps_the_encode_alive():
    ticks = Ticks()
    dog = Watchdog(stall_timeout=10, job_timeout=100, clock=ticks)

    for second in range(1, 6):
        ticks.now += 8
        dog.saw(at(float(second)))

    assert dog.remaining() == 10


def test_blocks_that_do_not_advance_do_not_count_as_progress():
    ticks = Ticks()
    dog = Watchdog(stall_timeout=10, job_timeout=100, clock=ticks)
    dog.saw(at(3.0))

    ticks.now += 6
    dog.saw(at(3.0))
    dog.saw(at(None))
    dog.saw(at(2.0))

    assert dog.remaining() == 4


def test_a_stall_is_reported_with_the_stall_timeout():
    ticks = Ticks()
    dog = Watchdog(stall_timeout=120, job_timeout=21600, clock=ticks)

    ticks.now += 120

    assert dog.remaining() == 0
    assert str(dog.verdict()) == "ffmpeg made no progress for 2 min; stopped"


def test_a_job_past_its_time_limit_is_reported_as_such_even_while_advancing():
    ticks = Ticks()
    dog = Watchdog(stall_timeout=120, job_timeout=21600, clock=ticks)
    for step in range(1, 200):
        ticks.now += 110
        dog.saw(at(float(step)))

    assert dog.remaining() == 0
    assert str(dog.verdict()) == "the job ran past MPR_JOB_TIMEOUT (6 h); stopped"


def test_a_timer_woken_just_before_the_job_deadline_still_names_the_job_timeout():
    ticks = Ticks()
    dog = Watchdog(stall_timeout=3, job_timeout=8, clock=ticks)
    ticks.now += 7.7
    dog.saw(at(7.6))

    ticks.now += 0.299  # asyncio woke the guard 1 ms before the job deadline

    assert str(dog.verdict()) == "the job ran past MPR_JOB_TIMEOUT (8 s); stopped"


async def test_guard_stops_waiting_when_the_watchdog_gives_up():
    dog = Watchdog(stall_timeout=0.05, job_timeout=60)
    never = asyncio.Event()

    with pytest.raises(TranscodeTimeout, match=r"no progress for 0\.05 s"):
        await asyncio.wait_for(dog.guard(never.wait()), 2)


async def test_guard_returns_what_finishes_in_time():
    dog = Watchdog(stall_timeout=5, job_timeout=60)

    assert await dog.guard(asyncio.sleep(0, result="line")) == "line"


@pytest.mark.parametrize(("seconds", "text"), [
    (21600, "6 h"), (5400, "90 min"), (120, "2 min"), (90, "90 s"), (2, "2 s"), (0.5, "0.5 s"),
])
def test_durations_read_as_people_set_them(seconds, text):
    assert duration_text(seconds) == text
