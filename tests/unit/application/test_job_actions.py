import uuid

import pytest

from mpr.application.job_actions import CancelJob, ClearFinishedJobs, RetryJob
from mpr.domain.asset import AssetStatus
from mpr.domain.errors import Conflict, InvalidTransition, NotFound, ValidationError
from mpr.domain.job import JobStatus
from tests.factories import make_asset, make_job


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
    source = make_asset()
    job = make_job(source.id, status=status, error_message="boom", attempts=2)
    tables.assets[source.id], tables.jobs[job.id] = source, job

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


async def test_retry_of_a_job_whose_source_file_is_missing_is_refused_naming_it(
        uow, queue, clock, tables):
    source = make_asset(file_path="shows/gone.mp4", status=AssetStatus.MISSING)
    job = make_job(source.id, status=JobStatus.FAILED, error_message="boom")
    tables.assets[source.id], tables.jobs[job.id] = source, job

    with pytest.raises(Conflict, match=r"source file 'shows/gone\.mp4' .* is missing"):
        await RetryJob(uow, queue, clock)(str(job.id))

    assert tables.jobs[job.id].status is JobStatus.FAILED
    assert queue.dispatched == []


async def test_clear_finished_removes_ended_jobs_and_keeps_active_ones_and_outputs(uow, tables):
    source = make_asset(file_path="a.mp4")
    output = make_asset(file_path="a_out.mp4")
    tables.assets.update({source.id: source, output.id: output})
    jobs = {s: make_job(source.id, status=s) for s in JobStatus}
    tables.jobs.update({j.id: j for j in jobs.values()})

    removed = await ClearFinishedJobs(uow)()

    assert removed == 3
    assert {j.status for j in tables.jobs.values()} == {JobStatus.PENDING, JobStatus.PROCESSING}
    assert set(tables.assets) == {source.id, output.id}


async def test_clear_finished_of_one_status_leaves_the_other_ended_jobs(uow, tables):
    source = make_asset(file_path="a.mp4")
    tables.assets[source.id] = source
    for status in (JobStatus.FAILED, JobStatus.COMPLETED):
        job = make_job(source.id, status=status)
        tables.jobs[job.id] = job

    removed = await ClearFinishedJobs(uow)("failed")

    assert removed == 1
    assert [j.status for j in tables.jobs.values()] == [JobStatus.COMPLETED]


@pytest.mark.parametrize("status", ["pending", "processing", "nonsense"])
async def test_clear_finished_refuses_active_or_unknown_statuses(uow, tables, status):
    job = make_job(uuid.uuid4(), status=JobStatus.PENDING)
    tables.jobs[job.id] = job

    with pytest.raises(ValidationError):
        await ClearFinishedJobs(uow)(status)

    assert job.id in tables.jobs
