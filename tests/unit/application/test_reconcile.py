"""The reconciler: only the lock holder recovers; a lost queue store triggers a full pass."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mpr.application.reconcile import Reconciler
from mpr.application.recover_jobs import RecoverJobs
from mpr.domain.errors import QueueError
from mpr.domain.job import JobStatus
from mpr.domain.worker_ports import LeaderLock, QueueEpoch
from tests.factories import make_job, store_jobs


class FakeLock:
    """Held or not (or unreachable); parks the loop at its second round so tests see one."""

    def __init__(self, held: bool = True, broken: bool = False) -> None:
        self.held, self.broken = held, broken
        self.calls = 0
        self.round_done = asyncio.Event()

    async def acquire(self) -> bool:
        self.calls += 1
        if self.calls > 1:
            self.round_done.set()
            await asyncio.Event().wait()
        if self.broken:
            raise QueueError("Redis: connection refused")
        return self.held


class FakeEpoch:
    """Reports a loss of the store's data once, like the sentinel key."""

    def __init__(self, lost: bool = False) -> None:
        self.lost = lost

    async def lost_data(self) -> bool:
        lost, self.lost = self.lost, False
        return lost


def _reconciler(uow, queue, clock, lock: LeaderLock, epoch: QueueEpoch) -> Reconciler:
    recover = RecoverJobs(uow, queue, clock, heartbeat_timeout=30, max_attempts=3)
    return Reconciler(recover, lock, epoch, interval=0)


async def _one_round(reconciler: Reconciler, lock: FakeLock) -> None:
    loop = asyncio.create_task(reconciler.run_forever())
    await asyncio.wait_for(lock.round_done.wait(), 2)
    loop.cancel()


async def test_a_worker_that_does_not_hold_the_lock_recovers_nothing(uow, queue, clock, tables):
    stale = make_job(status=JobStatus.PROCESSING, attempts=1, worker_id="w1",
                     heartbeat_at=clock.now() - timedelta(seconds=31))
    store_jobs(tables, stale)

    lock = FakeLock(held=False)
    await _one_round(_reconciler(uow, queue, clock, lock, FakeEpoch()), lock)

    assert tables.jobs[stale.id].status is JobStatus.PROCESSING
    assert queue.dispatched == []


async def test_a_lock_outage_counts_as_not_holding_it(uow, queue, clock, tables):
    store_jobs(tables, make_job())

    lock = FakeLock(broken=True)
    await _one_round(_reconciler(uow, queue, clock, lock, FakeEpoch()), lock)

    assert queue.dispatched == []


async def test_the_leader_requeues_a_lost_workers_job_and_dispatches_it(uow, queue, clock,
                                                                         tables):
    stale = make_job(status=JobStatus.PROCESSING, attempts=1, worker_id="w1",
                     heartbeat_at=clock.now() - timedelta(seconds=31))
    store_jobs(tables, stale)

    lock = FakeLock()
    await _one_round(_reconciler(uow, queue, clock, lock, FakeEpoch()), lock)

    assert tables.jobs[stale.id].status is JobStatus.PENDING
    assert queue.dispatched[:1] == [stale.id]


async def test_after_the_first_full_pass_only_a_lost_store_redispatches_every_pending_job(
        uow, queue, clock, tables):
    waiting = make_job(task_id="message-still-queued")
    store_jobs(tables, waiting)
    epoch = FakeEpoch()
    reconciler = _reconciler(uow, queue, clock, FakeLock(), epoch)
    await reconciler.run_once()  # the first pass is a full one
    queue.dispatched.clear()

    await reconciler.run_once()
    quick = list(queue.dispatched)
    epoch.lost = True
    await reconciler.run_once()

    assert quick == []
    assert queue.dispatched == [waiting.id]
