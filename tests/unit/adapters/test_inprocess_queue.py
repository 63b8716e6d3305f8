import asyncio
import uuid
from collections.abc import Awaitable

import pytest

from mpr.adapters.queue.inprocess import InProcessQueue
from mpr.application.job_specs import next_run_spec
from mpr.domain.errors import QueueError
from mpr.domain.job import TranscodeJob
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.ports import Dispatch
from tests.factories import make_asset, make_job


class Recorder:
    """A job handler that records the order of runs and can block until released."""

    def __init__(self) -> None:
        self.ran: list[uuid.UUID] = []
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.cancelled: list[uuid.UUID] = []

    async def __call__(self, spec: TranscodeSpec, worker_id: str) -> None:
        job_id = spec.job_id
        self.ran.append(job_id)
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled.append(job_id)
            raise


def dispatch(queue: InProcessQueue, job: TranscodeJob) -> Awaitable[Dispatch]:
    """Dispatch the job's spec as the application does."""
    spec = next_run_spec(job, make_asset(id=job.source_asset_id))
    return queue.dispatch(spec, job.priority)


async def _until(condition, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.001)


async def _settle() -> None:
    await asyncio.sleep(0.02)


async def test_higher_priority_jobs_start_first():
    queue, handler = InProcessQueue(concurrency=1), Recorder()
    blocker, low, high = make_job(), make_job(priority=0), make_job(priority=9)
    queue.start(handler)
    await dispatch(queue, blocker)
    await handler.started.wait()

    await dispatch(queue, low)
    await dispatch(queue, high)
    handler.release.set()
    await _until(lambda: len(handler.ran) == 3)
    await queue.stop()

    assert handler.ran == [blocker.id, high.id, low.id]


async def test_dispatching_the_same_job_twice_runs_it_once():
    queue, handler = InProcessQueue(concurrency=2), Recorder()
    handler.release.set()
    job = make_job()
    queue.start(handler)

    first = await dispatch(queue, job)
    second = await dispatch(queue, job)
    await _settle()
    await queue.stop()

    assert handler.ran == [job.id]
    assert first == second


async def test_cancel_stops_a_running_job_but_not_its_worker():
    queue, handler = InProcessQueue(concurrency=1), Recorder()
    running, later = make_job(), make_job()
    queue.start(handler)
    await dispatch(queue, running)
    await handler.started.wait()

    await queue.cancel(running)
    handler.release.set()
    await dispatch(queue, later)
    await _until(lambda: len(handler.ran) == 2)
    await queue.stop()

    assert handler.cancelled == [running.id]
    assert handler.ran == [running.id, later.id]


async def test_a_cancelled_queued_job_never_starts():
    queue, handler = InProcessQueue(concurrency=1), Recorder()
    blocker, queued = make_job(), make_job()
    queue.start(handler)
    await dispatch(queue, blocker)
    await handler.started.wait()
    await dispatch(queue, queued)

    await queue.cancel(queued)
    handler.release.set()
    await _settle()
    await queue.stop()

    assert handler.ran == [blocker.id]


async def test_stop_cancels_running_jobs_so_they_can_be_handed_back():
    queue, handler = InProcessQueue(concurrency=1), Recorder()
    job = make_job()
    queue.start(handler)
    await dispatch(queue, job)
    await handler.started.wait()

    await queue.stop()

    assert handler.cancelled == [job.id]
    with pytest.raises(QueueError):
        await queue.check()


async def test_stats_count_waiting_and_running_jobs():
    queue, handler = InProcessQueue(concurrency=1), Recorder()
    queue.start(handler)
    await dispatch(queue, make_job())
    await handler.started.wait()
    await dispatch(queue, make_job())

    stats = await queue.stats()
    handler.release.set()
    await queue.stop()

    assert (stats.depth, stats.running, stats.workers) == (1, 1, 1)


async def test_dispatch_before_start_is_refused():
    with pytest.raises(QueueError, match="not running"):
        await dispatch(InProcessQueue(concurrency=1), make_job())
