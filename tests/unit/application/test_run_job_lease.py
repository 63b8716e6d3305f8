"""RunJob's lease: heartbeats while running, and a run that is no longer its job's stops."""

import asyncio

import pytest

from mpr.application.job_reporting import DatabaseJobReporter
from mpr.application.run_job import RunJob
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.job import JobStatus
from tests.factories import make_asset, make_job


class SilentTranscoder:
    """An encode that reports nothing until released; records whether it was stopped."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.stopped = False

    async def transcode(self, request, on_progress):
        self.started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.stopped = True
            raise


@pytest.fixture
def transcoder():
    return SilentTranscoder()


@pytest.fixture
def run(uow, input_storage, output_storage, transcoder, prober, clock):
    pipeline = TranscodePipeline(input_storage, output_storage, transcoder, prober, clock)
    return RunJob(uow, pipeline, DatabaseJobReporter(uow, clock), clock,
                  heartbeat_interval=0.01)


@pytest.fixture
def job(tables, input_storage):
    source = make_asset(file_path="in/clip.mp4")
    tables.assets[source.id] = source
    input_storage.objects["in/clip.mp4"] = b"source"
    j = make_job(source.id, output_path="in/clip_out.mp4")
    tables.jobs[j.id] = j
    return j


async def test_a_run_heartbeats_while_ffmpeg_reports_nothing(run, job, tables, transcoder,
                                                             clock):
    task = asyncio.create_task(run(job.id, "w1"))
    await transcoder.started.wait()
    clock.advance(30)

    await asyncio.sleep(0.05)

    assert tables.jobs[job.id].heartbeat_at == clock.now()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_run_whose_job_was_taken_over_stops_and_leaves_the_new_owner_alone(
        run, job, tables, transcoder, clock):
    task = asyncio.create_task(run(job.id, "w1"))
    await transcoder.started.wait()
    stored = tables.jobs[job.id]
    stored.requeue(clock.now(), "worker went quiet")
    stored.start(clock.now(), "w2")

    ran = await asyncio.wait_for(task, 1)

    assert ran
    assert transcoder.stopped
    assert (stored.status, stored.worker_id) == (JobStatus.PROCESSING, "w2")


async def test_a_run_whose_job_was_cancelled_stops_its_encode(run, job, tables, transcoder,
                                                              clock):
    task = asyncio.create_task(run(job.id, "w1"))
    await transcoder.started.wait()
    tables.jobs[job.id].cancel(clock.now())

    await asyncio.wait_for(task, 1)

    assert transcoder.stopped
    assert tables.jobs[job.id].status is JobStatus.CANCELLED
