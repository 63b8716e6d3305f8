"""Dramatiq workers over the real Redis: real `mpr worker` processes, PostgreSQL, ffmpeg.

Jobs are created in-process with the use cases (createJob dispatches to Redis) and run by
worker subprocesses. Where a job must stay running for a few seconds, the workers get an
`ffmpeg` wrapper adding `-re` (read the input at its native rate): real ffmpeg, paced.
"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import UTC, datetime

import redis

from mpr.domain.job import JobStatus
from tests.integration.redis_fixtures import WorkerProcesses, redis_client, redis_url
from tests.integration.worker_stack import (
    Stack,
    create,
    database_url,
    ffmpeg_running_for,
    fresh,
    job,
    stack,
    wait_for,
    workers,
)

__all__ = ["database_url", "fresh", "redis_client", "redis_url", "stack", "workers"]


async def test_ten_jobs_across_two_workers_all_complete(fresh: Stack,
                                                        workers: WorkerProcesses) -> None:
    workers.start()
    workers.start()
    created = [await create(fresh, fresh.short_id) for _ in range(10)]

    done = await wait_for(fresh, [j.id for j in created], JobStatus.COMPLETED, timeout=60)
    status = await fresh.services.system_status()

    assert [j.status for j in done] == [JobStatus.COMPLETED] * 10, workers.logs()
    assert all(j.task_id for j in created)
    assert all(j.attempts == 1 for j in done)
    assert all((fresh.services.settings.media_out / j.output_path).is_file() for j in done)
    assert status.queue is not None
    assert status.queue.workers == 2


async def test_the_highest_priority_pending_job_starts_first(fresh: Stack,
                                                             workers: WorkerProcesses) -> None:
    low = [await create(fresh, fresh.short_id, priority=p) for p in (0, -5, 0)]
    high = await create(fresh, fresh.short_id, priority=50)

    workers.start()
    done = await wait_for(fresh, [j.id for j in [*low, high]], JobStatus.COMPLETED, 30)

    assert [j.status for j in done] == [JobStatus.COMPLETED] * 4, workers.logs()
    by_start = sorted(done, key=lambda j: j.started_at or datetime.now(UTC))
    assert by_start[0].id == high.id
    assert by_start[-1].id == low[1].id  # the lowest priority starts last


async def test_a_job_whose_worker_is_killed_completes_on_another_worker(
        fresh: Stack, workers: WorkerProcesses) -> None:
    doomed = workers.start(MPR_FFMPEG=fresh.paced_ffmpeg)
    created = await create(fresh, fresh.long_id)
    [running] = await wait_for(fresh, [created.id], JobStatus.PROCESSING, 20, min_progress=1)
    workers.start()

    doomed.kill()
    doomed.wait()
    [done] = await wait_for(fresh, [created.id], JobStatus.COMPLETED, timeout=40)

    assert running.status is JobStatus.PROCESSING, workers.logs()
    assert done.status is JobStatus.COMPLETED, workers.logs()
    assert done.attempts == 2


async def test_every_pending_job_completes_after_redis_is_flushed(
        fresh: Stack, workers: WorkerProcesses, redis_client: redis.Redis) -> None:
    workers.start(MPR_FFMPEG=fresh.paced_ffmpeg)
    workers.start(MPR_FFMPEG=fresh.paced_ffmpeg)
    busy = [await create(fresh, fresh.long_id) for _ in range(2)]
    await wait_for(fresh, [j.id for j in busy], JobStatus.PROCESSING, 20, min_progress=1)
    waiting = [await create(fresh, fresh.short_id) for _ in range(4)]

    redis_client.flushdb()
    done = await wait_for(fresh, [j.id for j in busy + waiting], JobStatus.COMPLETED, 60)

    assert [j.status for j in done] == [JobStatus.COMPLETED] * 6, workers.logs()
    redispatched = [d for c, d in zip(waiting, done[2:], strict=True) if d.task_id != c.task_id]
    assert len(redispatched) >= 2, workers.logs()


async def test_cancel_ends_the_jobs_ffmpeg_within_a_second_and_leaves_no_output(
        fresh: Stack, workers: WorkerProcesses) -> None:
    workers.start(MPR_FFMPEG=fresh.paced_ffmpeg)
    created = await create(fresh, fresh.long_id)
    [running] = await wait_for(fresh, [created.id], JobStatus.PROCESSING, 20, min_progress=1)
    assert ffmpeg_running_for(created.id), workers.logs()

    started = time.monotonic()
    await fresh.services.cancel_job(str(created.id))
    while ffmpeg_running_for(created.id) and time.monotonic() - started < 5:
        await asyncio.sleep(0.02)
    elapsed = time.monotonic() - started
    print(f"ffmpeg gone {elapsed:.3f} s after cancelJob")
    await asyncio.sleep(0.5)  # let the worker finish its cleanup

    assert running.speed is not None
    assert running.eta is not None
    assert elapsed < 1.0, workers.logs()
    assert (await job(fresh, created.id)).status is JobStatus.CANCELLED
    assert not (fresh.services.settings.media_out / running.output_path).exists()
    staging = fresh.services.output_storage.staging_dir()
    assert [p for p in staging.iterdir() if str(created.id) in p.name] == []


async def test_sigterm_hands_the_running_job_back_and_another_worker_completes_it(
        fresh: Stack, workers: WorkerProcesses) -> None:
    stopping = workers.start(MPR_FFMPEG=fresh.paced_ffmpeg)
    created = await create(fresh, fresh.long_id)
    await wait_for(fresh, [created.id], JobStatus.PROCESSING, 20, min_progress=1)

    stopping.send_signal(signal.SIGTERM)
    code = await asyncio.to_thread(stopping.wait, 15)
    handed_back = await job(fresh, created.id)
    workers.start()
    [done] = await wait_for(fresh, [created.id], JobStatus.COMPLETED, timeout=30)

    assert code == 0, workers.logs()
    assert handed_back.status is JobStatus.PENDING, workers.logs()
    assert not ffmpeg_running_for(created.id)
    assert done.status is JobStatus.COMPLETED
    assert done.attempts == 2
