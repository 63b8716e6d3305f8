"""A batch dispatched as createJob dispatches: over Redis to real `mpr worker` processes."""

from __future__ import annotations

import asyncio
import time

from mpr.application.batch_progress import BatchProgress
from mpr.application.create_jobs import CreateJobsCommand
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.job import JobStatus
from tests.integration.redis_fixtures import WorkerProcesses, redis_client, redis_url
from tests.integration.worker_stack import Stack, database_url, fresh, stack, workers

__all__ = ["database_url", "fresh", "redis_client", "redis_url", "stack", "workers"]
H264_480 = next(p for p in BUILTIN_PRESETS if p.name == "h264-480p")


async def finished(stack: Stack, batch_id: str, timeout: float) -> BatchProgress:
    deadline = time.monotonic() + timeout
    while True:
        batch = await stack.services.read_batch(batch_id)
        if batch.finished or time.monotonic() > deadline:
            return batch
        await asyncio.sleep(0.1)


async def test_a_batch_runs_on_the_dramatiq_workers(fresh: Stack,
                                                    workers: WorkerProcesses) -> None:
    workers.start()
    workers.start()

    made = await fresh.services.create_jobs(CreateJobsCommand(
        str(H264_480.id), asset_ids=[fresh.short_id, fresh.long_id]))
    batch = await finished(fresh, str(made.batch_id), timeout=60)

    assert made.refused == []
    assert all(j.task_id for j in made.jobs), "every job of the batch went to the queue"
    assert batch.counts[JobStatus.COMPLETED] == 2, workers.logs()
    assert batch.progress == 100.0
    assert all((fresh.services.settings.media_out / j.output_path).is_file()
               for j in batch.jobs)
