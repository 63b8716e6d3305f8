import pytest

from mpr.application.job_actions import CancelJob, RetryJob
from mpr.domain.errors import InvalidTransition, NotFound, ValidationError
from mpr.domain.job import JobStatus
from tests.factories import make_job


async def test_cancel_marks_the_job_and_tells_the_queue(uow, queue, clock, tables):
    job = make_job(status=JobStatus.PROCESSING)
    tables.jobs[job.id] = job

    result = await CancelJob(uow, queue, clock)(str(job.id))

    assert result.status is JobStatus.CANCELLED
    assert tables.jobs[job.id].status is JobStatus.CANCELLED
    assert queue.cancelled == [job.id]


async def test_cancelling_a_completed_job_is_refused_and_changes_nothing(uow, queue, clock,
                                                                        tables):
    job = make_job(status=JobStatus.COMPLETED)
    tables.jobs[job.id] = job

    with pytest.raises(InvalidTransition, match=r"cannot cancel job .* it is completed"):
        await CancelJob(uow, queue, clock)(str(job.id))

    assert tables.jobs[job.id].status is JobStatus.COMPLETED
    assert queue.cancelled == []


async def test_cancel_of_unknown_or_malformed_ids(uow, queue, clock):
    cancel = CancelJob(uow, queue, clock)

    with pytest.raises(NotFound):
        await cancel("6f1c1b8e-0000-4000-8000-000000000000")
    with pytest.raises(ValidationError):
        await cancel("42")


@pytest.mark.parametrize("status", [JobStatus.FAILED, JobStatus.CANCELLED])
async def test_retry_puts_the_job_back_to_pending_and_dispatches_it(uow, queue, clock, tables,
                                                                    status):
    job = make_job(status=status, error_message="boom", attempts=2)
    tables.jobs[job.id] = job

    result = await RetryJob(uow, queue, clock)(str(job.id))

    assert result.status is JobStatus.PENDING
    assert tables.jobs[job.id].error_message is None
    assert queue.dispatched == [job.id]


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.PROCESSING,
                                    JobStatus.COMPLETED])
async def test_retry_is_refused_unless_failed_or_cancelled(uow, queue, clock, tables, status):
    job = make_job(status=status)
    tables.jobs[job.id] = job

    with pytest.raises(InvalidTransition):
        await RetryJob(uow, queue, clock)(str(job.id))

    assert queue.dispatched == []
