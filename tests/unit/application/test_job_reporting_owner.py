"""A run's reporter speaks for one worker and one run: an earlier run is refused."""

import pytest

from mpr.application.job_reporting import DatabaseJobReporter
from mpr.domain.errors import JobCancelled, JobTakenOver
from mpr.domain.job import JobStatus, Progress
from tests.factories import make_job


@pytest.fixture
def job(tables):
    j = make_job(status=JobStatus.PROCESSING, attempts=2, worker_id="w1")
    tables.jobs[j.id] = j
    return j


async def test_the_current_attempt_owns_its_job(uow, clock, job):
    reporter = DatabaseJobReporter(uow, clock).for_worker("w1", run=2)

    await reporter.check_owned(job.id)
    await reporter.progress(job.id, Progress(percent=40.0))


async def test_an_earlier_attempt_on_the_same_worker_is_taken_over(uow, clock, tables, job):
    reporter = DatabaseJobReporter(uow, clock).for_worker("w1", run=1)

    with pytest.raises(JobTakenOver):
        await reporter.check_owned(job.id)
    with pytest.raises(JobTakenOver):
        await reporter.progress(job.id, Progress(percent=40.0))
    await reporter.failed(job.id, "the old attempt's ffmpeg failed")

    assert tables.jobs[job.id].status is JobStatus.PROCESSING
    assert tables.jobs[job.id].progress == 0.0


async def test_a_cancelled_job_is_owned_by_no_one(uow, clock, tables, job):
    job.status = JobStatus.CANCELLED
    reporter = DatabaseJobReporter(uow, clock).for_worker("w1", run=2)

    with pytest.raises(JobCancelled):
        await reporter.check_owned(job.id)


async def test_the_run_before_a_quick_retry_is_taken_over_though_the_attempts_restarted(
        uow, clock, tables):
    # run 1 was cancelled, the job retried (attempts from 1 again) and claimed by the same
    # worker: run 2 now holds it, and run 1's late writes change nothing
    retried = make_job(status=JobStatus.PROCESSING, attempts=1, runs=2, worker_id="w1")
    tables.jobs[retried.id] = retried
    old = DatabaseJobReporter(uow, clock).for_worker("w1", run=1)
    new = DatabaseJobReporter(uow, clock).for_worker("w1", run=2)

    with pytest.raises(JobTakenOver):
        await old.progress(retried.id, Progress(percent=90.0))
    await new.progress(retried.id, Progress(percent=10.0))

    assert tables.jobs[retried.id].progress == 10.0
