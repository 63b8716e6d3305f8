"""Each job transition records exactly its event, with the state after it."""

import dataclasses
import uuid

import pytest

from mpr.domain.errors import InvalidTransition
from mpr.domain.events import (
    JobCancelled,
    JobCompleted,
    JobCreated,
    JobFailed,
    JobProgressed,
    JobRequeued,
    JobStarted,
)
from mpr.domain.job import JobStatus, Progress, TranscodeJob
from tests.factories import NOW, make_job, make_preset

LATER = NOW.replace(minute=5)


def job_in(status: JobStatus, **fields) -> TranscodeJob:
    return dataclasses.replace(make_job(), status=status, **fields)


def test_a_created_job_records_job_created():
    job_id, source = uuid.uuid4(), uuid.uuid4()

    job = TranscodeJob.create(job_id, source, make_preset(), "clips/out.mp4", NOW)

    assert job.events == [JobCreated(at=NOW, job_id=job_id, status=JobStatus.PENDING,
                                     source_asset_id=source)]
    assert (job.output_filename, job.created_at, job.updated_at) == ("out.mp4", NOW, NOW)


def test_start_records_job_started_with_the_attempt_and_worker():
    job = job_in(JobStatus.PENDING, attempts=1)

    job.start(LATER, "worker-a")

    assert job.events == [JobStarted(at=LATER, job_id=job.id, status=JobStatus.PROCESSING,
                                     attempt=2, worker_id="worker-a")]


def test_a_store_claim_records_job_started_through_record_started():
    job = job_in(JobStatus.PROCESSING, attempts=1, worker_id="w", updated_at=LATER)

    job.record_started()

    assert job.events == [JobStarted(at=LATER, job_id=job.id, status=JobStatus.PROCESSING,
                                     attempt=1, worker_id="w")]


def test_progress_records_job_progress_with_what_was_kept():
    job = job_in(JobStatus.PROCESSING, progress=40.0)

    job.record_progress(LATER, Progress(30.0, current_time=3.0, speed=1.5, eta=7.0))

    assert job.events == [JobProgressed(at=LATER, job_id=job.id, status=JobStatus.PROCESSING,
                                        progress=40.0, current_time=3.0, speed=1.5, eta=7.0)]


def test_complete_records_job_completed_with_the_output_asset():
    job, output = job_in(JobStatus.PROCESSING), uuid.uuid4()

    job.complete(LATER, output)

    assert job.events == [JobCompleted(at=LATER, job_id=job.id, status=JobStatus.COMPLETED,
                                       output_asset_id=output)]


def test_fail_records_job_failed_with_the_message():
    job = job_in(JobStatus.PROCESSING)

    job.fail(LATER, "ffmpeg exited with 1")

    assert job.events == [JobFailed(at=LATER, job_id=job.id, status=JobStatus.FAILED,
                                    message="ffmpeg exited with 1")]


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.PROCESSING])
def test_cancel_records_job_cancelled(status):
    job = job_in(status)

    job.cancel(LATER)

    assert job.events == [JobCancelled(at=LATER, job_id=job.id, status=JobStatus.CANCELLED)]


def test_requeue_records_job_requeued_with_the_reason():
    job = job_in(JobStatus.PROCESSING)

    job.requeue(LATER, "worker w stopped heart-beating")

    assert job.events == [JobRequeued(at=LATER, job_id=job.id, status=JobStatus.PENDING,
                                      reason="worker w stopped heart-beating")]


@pytest.mark.parametrize("status", [JobStatus.FAILED, JobStatus.CANCELLED])
def test_retry_records_job_requeued_as_retried(status):
    job = job_in(status)

    job.retry(LATER)

    assert job.events == [JobRequeued(at=LATER, job_id=job.id, status=JobStatus.PENDING,
                                      reason="retried")]


def test_a_refused_transition_records_nothing():
    job = job_in(JobStatus.COMPLETED)

    with pytest.raises(InvalidTransition):
        job.cancel(LATER)
    with pytest.raises(InvalidTransition):
        job.record_progress(LATER, Progress(50.0))

    assert job.events == []


def test_warnings_and_copies_carry_no_event():
    job = job_in(JobStatus.PROCESSING)
    job.fail(LATER, "boom")

    copy = job.copy()
    copy.warn("a warning")

    assert copy.events == []
    assert len(job.events) == 1


def test_an_event_carries_a_bounded_message_and_the_job_keeps_it_whole():
    job = job_in(JobStatus.PROCESSING)

    job.fail(LATER, "x" * 5000)

    assert len(job.events[0].message) == 1000
    assert len(job.error_message) == 5000
