"""Find jobs that lost their dispatch or their worker, and dispatch them again."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from mpr.application.dispatching import dispatch_job
from mpr.domain.errors import ConcurrentUpdate
from mpr.domain.job import TranscodeJob
from mpr.domain.ports import Clock, JobQueue, UnitOfWorkFactory

log = logging.getLogger(__name__)


def reconcile_interval(heartbeat_timeout: float) -> float:
    """Often enough to notice a lost worker soon after its heartbeat timeout."""
    return max(0.5, min(5.0, heartbeat_timeout / 3))


@dataclass(frozen=True, slots=True)
class RecoveryResult:
    requeued: int
    failed: int
    dispatched: int


class RecoverJobs:
    """The database is the truth: processing jobs whose worker went quiet are requeued
    (or failed after max_attempts), and every pending job is dispatched again."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue, clock: Clock,
                 heartbeat_timeout: float, max_attempts: int) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock
        self._timeout, self._max_attempts = timedelta(seconds=heartbeat_timeout), max_attempts

    async def __call__(self, orphan_all_processing: bool = False,
                       redispatch_pending: bool = True) -> RecoveryResult:
        """With orphan_all_processing every processing job counts as lost (embedded start);
        without redispatch_pending only the jobs requeued now are dispatched (a cheap pass)."""
        now = self._clock.now()
        # at an embedded start no worker can be alive, whatever its last heartbeat says
        cutoff = now + timedelta(days=1) if orphan_all_processing else now - self._timeout
        requeued: list[uuid.UUID] = []
        failed = 0
        async with self._uow() as uow:
            stale = await uow.jobs.stale_processing(cutoff)
        for job in stale:
            outcome = await self._recover(job)
            if outcome == "requeued":
                requeued.append(job.id)
            failed += outcome == "failed"
        pending: Sequence[uuid.UUID] = requeued
        if redispatch_pending:
            async with self._uow() as uow:
                pending = await uow.jobs.pending_ids()
        dispatched = 0
        for job_id in pending:
            async with self._uow() as uow:
                job = await uow.jobs.get(job_id)
            await dispatch_job(self._uow, self._queue, job)
            dispatched += 1
        return RecoveryResult(requeued=len(requeued), failed=failed, dispatched=dispatched)

    async def _recover(self, stale: TranscodeJob) -> str:
        try:
            async with self._uow() as uow:
                job = await uow.jobs.get(stale.id)
                if job.heartbeat_at != stale.heartbeat_at or job.status != stale.status:
                    return "alive"  # it moved on since we looked
                now = self._clock.now()
                if job.attempts >= self._max_attempts:
                    job.fail(now, f"worker lost {job.attempts} times (no heartbeat for "
                                  f"{self._timeout.total_seconds():.0f} s); giving up")
                    outcome = "failed"
                else:
                    job.requeue(now, f"worker {job.worker_id} stopped heart-beating; retrying")
                    outcome = "requeued"
                await uow.jobs.save(job)
                await uow.commit()
        except ConcurrentUpdate:
            return "alive"
        log.warning("job %s %s after its worker went quiet", stale.id, outcome)
        return outcome
