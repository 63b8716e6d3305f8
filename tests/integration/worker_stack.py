"""A real worker stack for tests: PostgreSQL, Redis, `mpr worker` processes, two clips.

Jobs are created in-process with the use cases (createJob dispatches to Redis) and run by
worker subprocesses. Where a job must stay running for a few seconds, the workers get an
`ffmpeg` wrapper adding `-re` (read the input at its native rate): real ffmpeg, paced.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.application.create_job import CreateJobCommand
from mpr.bootstrap import Services, build
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.settings import Settings
from tests.integration.db_fixtures import create_database, drop_database
from tests.integration.redis_fixtures import WorkerProcesses

__all__ = ["Stack", "create", "database_url", "ffmpeg_running_for", "fresh", "job", "stack",
           "wait_for", "workers"]

HEARTBEAT_TIMEOUT = "3"


@dataclass(frozen=True, slots=True)
class Stack:
    services: Services
    env: dict[str, str]
    short_id: str  # a 1 s clip
    long_id: str  # a 6 s clip, for jobs that must run a while with the paced ffmpeg
    paced_ffmpeg: str
    data_dir: Path


@pytest.fixture(scope="module")
async def database_url(pg_server_url: str) -> AsyncIterator[str]:
    url = await create_database(pg_server_url, prefix="mpr_test_workers")
    yield url
    await drop_database(pg_server_url, url)


@pytest.fixture(scope="module")
async def stack(database_url: str, redis_url: str, ffmpeg: str, ffprobe: str,
                tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """Settings shared by this process and the workers, two clips scanned in."""
    data_dir = tmp_path_factory.mktemp("workers")
    env = {"MPR_DATABASE_URL": database_url, "MPR_REDIS_URL": redis_url,
           "MPR_DATA_DIR": str(data_dir), "MPR_WORKER_HEARTBEAT_TIMEOUT": HEARTBEAT_TIMEOUT,
           "MPR_FFMPEG": ffmpeg, "MPR_FFPROBE": ffprobe, "MPR_SAMPLES": "false",
           "MPR_LOG_LEVEL": "INFO"}
    settings = Settings(database_url=database_url, redis_url=redis_url, data_dir=data_dir,
                        worker_heartbeat_timeout=float(HEARTBEAT_TIMEOUT), ffmpeg=ffmpeg,
                        ffprobe=ffprobe, samples=False)
    services = build(settings)
    await services.prepare()
    await make_test_clip(ffmpeg, settings.media_in / "short.mp4", duration=1, width=160,
                         height=120)
    await make_test_clip(ffmpeg, settings.media_in / "long.mp4", duration=6, width=160,
                         height=120)
    await services.scan_media()
    assets = {a.file_path: str(a.id) for a in await services.queries.assets()}
    paced = data_dir / "ffmpeg-paced"
    paced.write_text(f'#!/bin/sh\nexec "{ffmpeg}" -re "$@"\n')
    paced.chmod(0o755)
    yield Stack(services, env, assets["short.mp4"], assets["long.mp4"], str(paced), data_dir)
    await services.close()


@pytest.fixture
async def fresh(stack: Stack, redis_client: redis.Redis) -> Stack:
    """No jobs in the database, nothing in Redis."""
    async with stack.services.admin.sessions() as session:
        await session.execute(text("DELETE FROM transcode_jobs"))
        await session.commit()
    return stack


@pytest.fixture
def workers(fresh: Stack, tmp_path: Path) -> Iterator[WorkerProcesses]:
    processes = WorkerProcesses(fresh.env, tmp_path)
    yield processes
    processes.stop_all()


async def create(stack: Stack, asset_id: str, priority: int = 0) -> TranscodeJob:
    return await stack.services.create_job(CreateJobCommand(asset_id, priority=priority))


async def job(stack: Stack, job_id: uuid.UUID) -> TranscodeJob:
    return await stack.services.queries.job(str(job_id))


async def wait_for(stack: Stack, job_ids: list[uuid.UUID], status: JobStatus,
                   timeout: float, min_progress: float = 0.0) -> list[TranscodeJob]:
    """Poll until every job has the status (and progress); the jobs as last seen."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = [await job(stack, j) for j in job_ids]
        if all(j.status is status and j.progress >= min_progress for j in jobs):
            return jobs
        if time.monotonic() > deadline:
            return jobs
        await asyncio.sleep(0.1)


def ffmpeg_running_for(job_id: uuid.UUID) -> bool:
    found = subprocess.run(["pgrep", "-f", str(job_id)], capture_output=True, check=False)
    return found.returncode == 0
