"""The Dramatiq actor body: a message means work is available; the database decides which."""

import asyncio

import pytest

from mpr.application.consume_jobs import JobConsumer
from mpr.application.job_reporting import DatabaseJobReporter
from mpr.application.run_job import RunJob
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.job import JobStatus
from tests.factories import make_asset, make_job
from tests.unit.fakes import (
    FakeTranscoder,
)


class GatedTranscoder(FakeTranscoder):
    """Holds every encode until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def transcode(self, request, on_progress):
        self.started.set()
        await self.release.wait()
        return await super().transcode(request, on_progress)


@pytest.fixture
def consumer(uow, clock, input_storage, output_storage, prober, transcoder, queue):
    input_storage.objects["clip.mp4"] = b"source"
    pipeline = TranscodePipeline(input_storage, output_storage, transcoder, prober, clock)
    run_job = RunJob(uow, pipeline, DatabaseJobReporter(uow, clock), clock,
                     heartbeat_interval=0.01)
    return JobConsumer(uow, run_job, queue, name="test")


def add_job(tables, priority=0):
    asset = make_asset(file_path="clip.mp4")
    tables.assets[asset.id] = asset
    job = make_job(asset.id, priority=priority)
    tables.jobs[job.id] = job
    return job


async def test_any_message_runs_the_highest_priority_pending_job_first(consumer, tables,
                                                                       transcoder):
    low = add_job(tables, priority=0)
    high = add_job(tables, priority=10)

    await consumer(str(low.id))

    assert tables.jobs[high.id].status is JobStatus.COMPLETED
    assert tables.jobs[low.id].status is JobStatus.PENDING
    assert len(transcoder.requests) == 1


async def test_a_duplicate_delivery_runs_nothing(consumer, tables, transcoder):
    job = add_job(tables)
    await consumer(str(job.id))

    await consumer(str(job.id))

    assert len(transcoder.requests) == 1
    assert tables.jobs[job.id].attempts == 1


@pytest.mark.parametrize("transcoder", [GatedTranscoder()])
async def test_a_published_cancel_stops_the_local_run_without_dispatching_again(
        consumer, tables, transcoder, queue):
    job = add_job(tables)
    run = asyncio.create_task(consumer(str(job.id)))
    await transcoder.started.wait()
    tables.jobs[job.id].cancel(tables.jobs[job.id].updated_at)

    consumer.cancel_local(str(job.id))
    await asyncio.wait_for(run, 1)

    assert tables.jobs[job.id].status is JobStatus.CANCELLED
    assert queue.dispatched == []
    assert consumer.running == 0


@pytest.mark.parametrize("transcoder", [GatedTranscoder()])
async def test_stopping_hands_a_running_job_back_and_dispatches_it_again(
        consumer, tables, transcoder, queue):
    job = add_job(tables)
    run = asyncio.create_task(consumer(str(job.id)))
    await transcoder.started.wait()

    await consumer.stop(grace=0.05)
    await asyncio.wait_for(run, 1)

    assert tables.jobs[job.id].status is JobStatus.PENDING
    assert queue.dispatched == [job.id]


async def test_a_message_received_while_stopping_is_handed_back(consumer, tables, queue,
                                                                 transcoder):
    job = add_job(tables)
    await consumer.stop(grace=0)

    await consumer(str(job.id))

    assert transcoder.requests == []
    assert queue.dispatched == [job.id]
