"""Outcomes are announced through the events: a run, a cancel, a retry and a recovery each
publish what happened, after their commits, through the one unit of work."""

import pytest

from mpr.application.job_actions import CancelJob, RetryJob
from mpr.application.job_reporting import DatabaseJobReporter
from mpr.application.messagebus import MessageBus
from mpr.application.publishing import publishing
from mpr.application.recover_jobs import RecoverJobs
from mpr.application.run_job import RunJob
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.events import DomainEvent, JobEvent
from mpr.domain.job import JobStatus
from tests.factories import make_asset, make_job


@pytest.fixture
def published():
    return []


@pytest.fixture
def events_uow(uow, published):
    bus = MessageBus()

    async def record(event: DomainEvent) -> None:
        published.append(event)

    bus.subscribe(DomainEvent, record)
    return publishing(uow, bus)


@pytest.fixture
def source(tables, input_storage):
    asset = make_asset(file_path="in/clip.mp4")
    tables.assets[asset.id] = asset
    input_storage.objects["in/clip.mp4"] = b"source"
    return asset


def kinds(events: list[DomainEvent]) -> list[str]:
    return [e.kind for e in events]


async def test_a_run_announces_start_progress_output_and_completion(
        events_uow, published, tables, source, input_storage, output_storage, transcoder,
        prober, clock):
    job = make_job(source.id, output_path="clip_out.mp4")
    tables.jobs[job.id] = job
    pipeline = TranscodePipeline(input_storage, output_storage, transcoder, prober, clock)
    run = RunJob(events_uow, pipeline, DatabaseJobReporter(events_uow, clock), clock)

    await run(job.id, "w1")

    assert kinds(published)[0] == "job.started"
    assert "job.progress" in kinds(published)
    assert set(kinds(published)[-3:]) == {"asset.registered", "asset.updated", "job.completed"}
    assert {e.job_id for e in published if isinstance(e, JobEvent)} == {job.id}


async def test_cancel_and_retry_announce_cancelled_then_requeued(events_uow, published, tables,
                                                                 source, queue, clock):
    job = make_job(source.id, status=JobStatus.PROCESSING)
    tables.jobs[job.id] = job

    await CancelJob(events_uow, queue, clock)(str(job.id))
    await RetryJob(events_uow, queue, clock)(str(job.id))

    assert kinds(published) == ["job.cancelled", "job.requeued"]


async def test_recovery_announces_the_requeue_of_a_job_whose_worker_went_quiet(
        events_uow, published, tables, source, queue, clock):
    job = make_job(source.id, status=JobStatus.PROCESSING, attempts=1, worker_id="gone",
                   heartbeat_at=clock.now())
    tables.jobs[job.id] = job
    clock.advance(60)

    await RecoverJobs(events_uow, queue, clock, heartbeat_timeout=30, max_attempts=3)()

    assert kinds(published) == ["job.requeued"]
    assert "gone" in published[0].reason
