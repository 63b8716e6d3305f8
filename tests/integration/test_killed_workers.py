"""A killed worker's ffmpeg dies with it, and no two attempts of a job share a file.

Real `mpr worker` processes (PostgreSQL, Redis) and a real embedded `mpr serve`, killed with
SIGKILL in the middle of an encode of a 60 s 720p source.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.application.create_job import CreateJobCommand
from mpr.domain.job import JobStatus, TranscodeJob
from tests.integration.media import probe
from tests.integration.redis_fixtures import WorkerProcesses, redis_client, redis_url
from tests.integration.server_fixtures import ffmpeg_pids, running_server
from tests.integration.worker_stack import (
    Stack,
    database_url,
    fresh,
    job,
    stack,
    wait_for,
    workers,
)

__all__ = ["database_url", "fresh", "redis_client", "redis_url", "stack", "workers"]

BIG_SECONDS = 60
PRESET = "h264-720p"


@pytest.fixture(scope="module")
async def big_id(stack: Stack, ffmpeg: str) -> str:
    """A 60 s 1280x720 source: its h264-720p encode runs for several seconds."""
    await make_test_clip(ffmpeg, stack.services.settings.media_in / "big.mp4",
                         duration=BIG_SECONDS, width=1280, height=720)
    await stack.services.scan_media()
    assets = {a.file_path: str(a.id) for a in await stack.services.queries.assets()}
    return assets["big.mp4"]


async def create_encode(stack: Stack, asset_id: str) -> TranscodeJob:
    presets = {p.name: str(p.id) for p in await stack.services.queries.presets()}
    return await stack.services.create_job(CreateJobCommand(asset_id, presets[PRESET]))


def wait_no_ffmpeg(marker: str, timeout: float) -> float:
    """Seconds until no ffmpeg mentioning marker runs; fails after timeout."""
    started = time.monotonic()
    while ffmpeg_pids(marker):
        assert time.monotonic() - started < timeout, f"ffmpeg for {marker} still runs"
        time.sleep(0.01)
    return time.monotonic() - started


def files_of(root: Path, job_id: uuid.UUID) -> list[Path]:
    """Files below root named for the job, or in a folder named for it (a staging area)."""
    return [p for p in root.rglob("*")
            if p.is_file() and str(job_id) in p.relative_to(root).as_posix()]


async def test_a_sigkilled_worker_leaves_no_ffmpeg_and_the_retry_completes_intact(
        fresh: Stack, big_id: str, workers: WorkerProcesses) -> None:
    doomed = workers.start()
    created = await create_encode(fresh, big_id)
    await wait_for(fresh, [created.id], JobStatus.PROCESSING, 30, min_progress=3)
    assert ffmpeg_pids(str(created.id)), workers.logs()

    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    gone_after = wait_no_ffmpeg(str(created.id), timeout=1.0)
    workers.start()
    [done] = await wait_for(fresh, [created.id], JobStatus.COMPLETED, timeout=120)

    print(f"ffmpeg gone {gone_after * 1000:.0f} ms after SIGKILL of its worker")
    assert done.status is JobStatus.COMPLETED, workers.logs()
    assert done.attempts == 2
    media = probe(fresh.services.settings.media_out / done.output_path)
    assert abs(media.duration - BIG_SECONDS) < 0.1
    assert files_of(fresh.services.output_storage.staging_dir(), created.id) == []


async def cancel_while_its_worker_is_dead(stack: Stack, asset_id: str,
                                          workers: WorkerProcesses) -> TranscodeJob:
    """Start an encode, SIGKILL its worker, cancel the job, start a fresh worker (which sweeps
    what the killed one left) and give it a moment; the job as it was created."""
    doomed = workers.start()
    created = await create_encode(stack, asset_id)
    await wait_for(stack, [created.id], JobStatus.PROCESSING, 30, min_progress=3)
    staging = stack.services.output_storage.staging_dir()
    assert files_of(staging, created.id), "the encode had not written its staging file"

    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    await stack.services.cancel_job(str(created.id))
    wait_no_ffmpeg(str(created.id), timeout=1.0)
    workers.start()
    deadline = time.monotonic() + 15
    while files_of(stack.data_dir, created.id) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return created


async def test_a_job_cancelled_while_its_worker_is_dead_leaves_no_file(
        fresh: Stack, big_id: str, workers: WorkerProcesses) -> None:
    created = await cancel_while_its_worker_is_dead(fresh, big_id, workers)

    assert (await job(fresh, created.id)).status is JobStatus.CANCELLED
    assert files_of(fresh.data_dir, created.id) == [], workers.logs()
    assert not (fresh.services.settings.media_out / created.output_path).exists()


WRITER = """
import sys, time
with open(sys.argv[1], "ab", buffering=0) as f:
    for _ in range(120_000):  # about 10 minutes at most; the test kills it before
        f.write(b"stale attempt garbage " * 400)
        time.sleep(0.005)
"""


@pytest.fixture
def stale_writers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()


async def test_a_stale_attempt_still_writing_its_file_does_not_touch_the_new_output(
        fresh: Stack, big_id: str, workers: WorkerProcesses,
        stale_writers: list[subprocess.Popen[bytes]]) -> None:
    doomed = workers.start()
    created = await create_encode(fresh, big_id)
    await wait_for(fresh, [created.id], JobStatus.PROCESSING, 30, min_progress=3)
    [old_staging] = files_of(fresh.services.output_storage.staging_dir(), created.id)

    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    stale_writers.append(subprocess.Popen(  # noqa: ASYNC220 - a plain background process
        [sys.executable, "-c", WRITER, str(old_staging)]))
    workers.start()
    [done] = await wait_for(fresh, [created.id], JobStatus.COMPLETED, timeout=120)

    assert stale_writers[0].poll() is None, "the stale writer stopped before the retry ended"
    assert done.status is JobStatus.COMPLETED, workers.logs()
    output = fresh.services.settings.media_out / done.output_path
    decode = subprocess.run(["ffmpeg", "-v", "error", "-i", str(output), "-f", "null", "-"],
                            capture_output=True, text=True, check=False)
    assert decode.returncode == 0
    assert decode.stderr == ""
    assert abs(probe(output).duration - BIG_SECONDS) < 0.1


async def test_a_sigkilled_embedded_server_leaves_no_ffmpeg_and_its_job_completes_after(
        ffmpeg: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "embedded"
    (data_dir / "media" / "in").mkdir(parents=True)
    await make_test_clip(ffmpeg, data_dir / "media" / "in" / "big.mp4", duration=BIG_SECONDS,
                         width=1280, height=720)
    settings = {"MPR_SAMPLES": "false", "MPR_WORKER_HEARTBEAT_TIMEOUT": "3"}
    with running_server("embedded", data_dir, settings) as server:
        server.data("mutation { scanMediaFolder { registered } }")
        [asset] = server.data("query { assets { id } }")["assets"]
        created = server.data(
            "mutation ($a: ID!, $p: ID!) { createJob(input: {sourceAssetId: $a, presetId: $p})"
            " { id } }", {"a": asset["id"], "p": server.preset_ids()[PRESET]})["createJob"]
        server.wait_for_job(created["id"], "processing", timeout=30, min_progress=3)
        assert ffmpeg_pids(created["id"]), server.log_tail()

        os.kill(server.pid, signal.SIGKILL)
        server.process.wait()
        gone_after = wait_no_ffmpeg(created["id"], timeout=1.0)
    print(f"ffmpeg gone {gone_after * 1000:.0f} ms after SIGKILL of mpr serve")
    with running_server("embedded-again", data_dir, settings) as server:
        done = server.wait_for_job(created["id"], "completed", timeout=120)

        assert done["attempts"] == 2
        assert files_of(data_dir / "media" / "out" / ".mpr-staging", uuid.UUID(created["id"])) == []
