"""The reconciler's quick pass: requeue lost workers' jobs without re-dispatching every job."""

from datetime import timedelta

from mpr.application.recover_jobs import RecoverJobs
from mpr.domain.job import JobStatus
from tests.factories import make_job, store_jobs


async def test_a_quick_pass_dispatches_only_the_jobs_it_requeued(uow, queue, clock, tables):
    stale = make_job(status=JobStatus.PROCESSING, attempts=1, worker_id="w1",
                     heartbeat_at=clock.now() - timedelta(seconds=31))
    waiting = make_job(status=JobStatus.PENDING, task_id="message-still-queued")
    store_jobs(tables, stale, waiting)
    recover = RecoverJobs(uow, queue, clock, heartbeat_timeout=30, max_attempts=3)

    result = await recover(redispatch_pending=False)

    assert (result.requeued, result.dispatched) == (1, 1)
    assert queue.dispatched == [stale.id]


async def test_a_full_pass_dispatches_every_pending_job(uow, queue, clock, tables):
    waiting = [make_job(status=JobStatus.PENDING) for _ in range(3)]
    store_jobs(tables, *waiting)
    recover = RecoverJobs(uow, queue, clock, heartbeat_timeout=30, max_attempts=3)

    result = await recover(redispatch_pending=True)

    assert result.dispatched == 3
    assert sorted(queue.dispatched) == sorted(j.id for j in waiting)
