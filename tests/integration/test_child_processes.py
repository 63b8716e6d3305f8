"""Children started by MPR (ffmpeg, ffprobe) die with the process that started them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvloop

from mpr.adapters.ffmpeg.spawn import MEDIA_NICENESS, guarded, start_child

T = TypeVar("T")

PARENT = """
import asyncio, sys
from mpr.adapters.ffmpeg.spawn import start_child

async def main():
    child = await start_child(["sleep", "60"])
    print(child.pid, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return status != "Z"  # a zombie has ended; it only waits to be reaped by its new parent


def wait_until_exec(pid: int, name: str) -> None:
    """Wait until the child runs the program itself (setpriv has set the signal and exec'd)."""
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}/comm").read_text().strip() != name:
        assert time.monotonic() < deadline, f"process {pid} never became {name}"
        time.sleep(0.005)


def wait_gone(pid: int, timeout: float) -> float:
    """Seconds until the process is gone; fails after timeout."""
    started = time.monotonic()
    while _alive(pid):
        if time.monotonic() - started > timeout:
            pytest.fail(f"process {pid} still running {timeout} s after its parent died")
        time.sleep(0.01)
    return time.monotonic() - started


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV])
def test_child_dies_within_a_second_of_its_parent(signum: signal.Signals) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    wait_until_exec(child_pid, "sleep")

    parent.send_signal(signum)
    parent.wait(5)

    assert wait_gone(child_pid, timeout=1.0) < 1.0


def test_guarded_argv_runs_the_program_itself() -> None:
    result = subprocess.run(guarded(["sh", "-c", "echo $$"]), capture_output=True, check=True)

    assert result.stdout.strip().isdigit()


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_media_children_run_niced_below_the_service() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert parent.stdout is not None
    try:
        child_pid = int(parent.stdout.readline())
        wait_until_exec(child_pid, "sleep")

        assert _niceness(child_pid) == _niceness(parent.pid) + MEDIA_NICENESS
    finally:
        parent.kill()
        parent.wait(5)


LOOPS = {"asyncio": asyncio.run, "uvloop": uvloop.run}


@pytest.fixture(params=sorted(LOOPS))
def run_loop(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, T]], T]:
    """Run a coroutine on asyncio's loop and on uvloop's (the web server's)."""
    runner: Callable[[Coroutine[Any, Any, T]], T] = LOOPS[request.param]
    return runner


def test_a_child_hands_its_output_and_exit_status_to_the_loop(
        run_loop: Callable[[Coroutine[Any, Any, tuple[bytes, bytes, int | None]]],
                           tuple[bytes, bytes, int | None]]) -> None:
    async def run() -> tuple[bytes, bytes, int | None]:
        child = await start_child(["sh", "-c", "echo out; echo err >&2; exit 3"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await child.communicate()
        return out, err, child.returncode

    assert run_loop(run()) == (b"out\n", b"err\n", 3)


def test_a_killed_child_reports_the_signal_and_refuses_more_signals(
        run_loop: Callable[[Coroutine[Any, Any, tuple[int, bool]]], tuple[int, bool]]) -> None:
    async def run() -> tuple[int, bool]:
        child = await start_child(["sleep", "30"], stdout=subprocess.DEVNULL)
        child.kill()
        status = await asyncio.wait_for(child.wait(), 5)
        try:
            child.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            return status, True
        return status, False

    assert run_loop(run()) == (-signal.SIGKILL, True)


def test_children_leave_no_descriptor_open_behind_them(
        run_loop: Callable[[Coroutine[Any, Any, tuple[int, int]]], tuple[int, int]]) -> None:
    async def run() -> tuple[int, int]:
        warm_up = await start_child(["true"], stdout=subprocess.PIPE)
        await warm_up.communicate()  # the loop opens what it keeps for itself
        await asyncio.sleep(0.05)
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(20):
            child = await start_child(["sh", "-c", "echo out; echo err >&2"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            await child.communicate()
        await asyncio.sleep(0.05)  # the pipes close as their EOF is handled
        return before, len(os.listdir("/proc/self/fd"))

    before, after = run_loop(run())

    assert after <= before
