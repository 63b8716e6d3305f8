from datetime import timedelta

from mpr.application.recover_jobs import RecoverJobs
from mpr.domain.job import JobStatus
from tests.factories import make_job, store_jobs


def _recover(uow, queue, clock, max_attempts=3):
    return RecoverJobs(uow, queue, clock, heartbeat_timeout=30, max_attempts=max_attempts)


async def test_quiet_workers_jobs_are_requeued_and_dispatched(uow, queue, clock, tables):
    stale = make_job(status=JobStatus.PROCESSING, attempts=1, worker_id="w1",
                     heartbeat_at=clock.now() - timedelta(seconds=31))
    alive = make_job(status=JobStatus.PROCESSING, attempts=1, worker_id="w2",
                     heartbeat_at=clock.now() - timedelta(seconds=5))
    store_jobs(tables, stale, alive)

    result = await _recover(uow, queue, clock)()

    assert (result.requeued, result.dispatched) == (1, 1)
    assert tables.jobs[stale.id].status is JobStatus.PENDING
    assert tables.jobs[alive.id].status is JobStatus.PROCESSING
    assert queue.dispatched == [stale.id]


async def test_a_job_that_lost_its_worker_too_often_fails_with_a_reason(uow, queue, clock,
                                                                        tables):
    job = make_job(status=JobStatus.PROCESSING, attempts=3,
                   heartbeat_at=clock.now() - timedelta(minutes=5))
    store_jobs(tables, job)

    result = await _recover(uow, queue, clock)()

    assert result.failed == 1
    assert "worker lost 3 times" in (tables.jobs[job.id].error_message or "")


async def test_pending_jobs_are_dispatched_highest_priority_first(uow, queue, clock, tables):
    low, high = make_job(priority=0), make_job(priority=5)
    store_jobs(tables, low, high)

    await _recover(uow, queue, clock)()

    assert queue.dispatched == [high.id, low.id]


async def test_at_embedded_start_every_processing_job_is_an_orphan(uow, queue, clock, tables):
    job = make_job(status=JobStatus.PROCESSING, attempts=1, heartbeat_at=clock.now())
    store_jobs(tables, job)

    await _recover(uow, queue, clock)(orphan_all_processing=True)

    assert queue.dispatched == [job.id]
