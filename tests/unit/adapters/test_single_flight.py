"""SingleFlight: one run per key for every caller meanwhile; leaving stops only the caller."""

from __future__ import annotations

import asyncio

import pytest

from mpr.adapters.ffmpeg.single_flight import SingleFlight


class Runs:
    """A run per start, each ending when its gate opens."""

    def __init__(self) -> None:
        self.started = 0
        self.gate = asyncio.Event()

    async def run(self) -> str:
        self.started += 1
        number = self.started
        await self.gate.wait()
        return f"run {number}"


async def test_callers_of_one_key_share_one_run_and_its_result() -> None:
    flight: SingleFlight[str] = SingleFlight()
    runs = Runs()
    callers = [asyncio.create_task(flight.run("a", runs.run)) for _ in range(5)]
    await asyncio.sleep(0)

    runs.gate.set()

    assert await asyncio.gather(*callers) == ["run 1"] * 5
    assert runs.started == 1


async def test_other_keys_run_apart_and_a_key_runs_again_once_ended() -> None:
    flight: SingleFlight[str] = SingleFlight()
    runs = Runs()
    runs.gate.set()

    assert await asyncio.gather(flight.run("a", runs.run), flight.run("b", runs.run)) == [
        "run 1", "run 2"]
    assert await flight.run("a", runs.run) == "run 3"


async def test_a_caller_that_leaves_does_not_stop_the_run_of_the_others() -> None:
    flight: SingleFlight[str] = SingleFlight()
    runs = Runs()
    leaving = asyncio.create_task(flight.run("a", runs.run))
    staying = asyncio.create_task(flight.run("a", runs.run))
    await asyncio.sleep(0)

    leaving.cancel()
    runs.gate.set()

    assert await staying == "run 1"
    assert leaving.cancelled()


async def test_a_failed_run_raises_for_every_caller_and_the_next_call_runs_again() -> None:
    flight: SingleFlight[str] = SingleFlight()
    attempts = 0

    async def failing() -> str:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0)
        raise OSError("no decoder")

    results = await asyncio.gather(flight.run("a", failing), flight.run("a", failing),
                                   return_exceptions=True)

    assert [type(r) for r in results] == [OSError, OSError]
    assert attempts == 1
    with pytest.raises(OSError, match="no decoder"):
        await flight.run("a", failing)
    assert attempts == 2
