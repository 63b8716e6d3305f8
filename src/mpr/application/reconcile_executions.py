"""Lambda mode's reconciler: jobs whose execution ended without telling MPR, or went quiet.

The database is the truth and Step Functions is asked about each live job's execution: a
processing job whose execution ended (FAILED, TIMED_OUT, ABORTED, or SUCCEEDED without an
outcome) or whose callbacks stopped for the heartbeat timeout (its execution is stopped),
and a pending job whose execution ended before its first callback, are retried (counting
the attempt) or, after max_attempts, failed with the execution's error and cause. Pending
jobs with no execution are started. One process reconciles at a time (the leader lock)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from mpr.application.dispatching import dispatch_job
from mpr.application.job_callbacks import lambda_worker_id, live_run
from mpr.application.recover_jobs import RecoveryResult
from mpr.domain.errors import ConcurrentUpdate, InfrastructureError, MprError, NotFound
from mpr.domain.executions import Executions, ExecutionState
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.domain.ports import Clock, JobQueue, UnitOfWorkFactory
from mpr.domain.worker_ports import LeaderLock

log = logging.getLogger(__name__)
ALL_PROCESSING = timedelta(days=3650)


@dataclass(frozen=True, slots=True)
class _Lost:
    job: TranscodeJob
    reason: str


class ReconcileExecutions:
    """One pass over the live jobs of lambda mode."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue, executions: Executions,
                 clock: Clock, heartbeat_timeout: float, max_attempts: int) -> None:
        self._uow, self._queue, self._executions, self._clock = uow, queue, executions, clock
        self._timeout, self._max_attempts = timedelta(seconds=heartbeat_timeout), max_attempts

    async def __call__(self) -> RecoveryResult:
        lost = await self._lost_processing() + await self._lost_pending()
        requeued = failed = 0
        for item in lost:
            outcome = await self._give_up_or_retry(item)
            requeued += outcome == "requeued"
            failed += outcome == "failed"
        dispatched = await self._dispatch_unstarted()
        return RecoveryResult(requeued=requeued, failed=failed, dispatched=dispatched)

    async def _lost_processing(self) -> list[_Lost]:
        now = self._clock.now()
        async with self._uow() as uow:
            processing = await uow.jobs.stale_processing(now + ALL_PROCESSING)
        lost = []
        for job in processing:
            state = await self._state(job)
            if state is not None and state.ended:
                lost.append(_Lost(job, state.reason()))
            elif job.heartbeat_at is not None and job.heartbeat_at < now - self._timeout:
                quiet = (now - job.heartbeat_at).total_seconds()
                reason = f"no callback from its Lambda for {quiet:.0f} s"
                if job.execution_arn:
                    await self._executions.stop(job.execution_arn, reason)
                lost.append(_Lost(job, reason))
        return lost

    async def _lost_pending(self) -> list[_Lost]:
        lost = []
        for job in await self._pending():
            if job.execution_arn is None:
                continue
            state = await self._state(job)
            if state is None or state.ended:
                reason = state.reason() if state else "its execution is unknown to Step Functions"
                lost.append(_Lost(job, f"{reason} before its first callback"))
        return lost

    async def _dispatch_unstarted(self) -> int:
        dispatched = 0
        for job in await self._pending():
            if job.execution_arn is None:
                await dispatch_job(self._uow, self._queue, job)
                dispatched += 1
        return dispatched

    async def _pending(self) -> list[TranscodeJob]:
        async with self._uow() as uow:
            ids = await uow.jobs.pending_ids()
            return [await uow.jobs.get(job_id) for job_id in ids]

    async def _state(self, job: TranscodeJob) -> ExecutionState | None:
        """The job's execution state; None when Step Functions does not know it."""
        if job.execution_arn is None:
            return None
        try:
            return await self._executions.describe(job.execution_arn)
        except NotFound:
            return ExecutionState(job.execution_arn, "UNKNOWN")

    async def _give_up_or_retry(self, lost: _Lost) -> str:
        try:
            async with self._uow() as uow:
                job = await uow.jobs.get(lost.job.id)
                if (job.status, job.execution_arn, job.heartbeat_at) != (
                        lost.job.status, lost.job.execution_arn, lost.job.heartbeat_at):
                    return "alive"  # a callback came meanwhile
                now = self._clock.now()
                if job.status is JobStatus.PENDING:  # the run happened, and counts
                    job.start(now, lambda_worker_id(live_run(job)))
                outcome = self._end(job, lost.reason, now)
                await uow.jobs.save(job)
                await uow.commit()
        except ConcurrentUpdate:
            return "alive"
        log.warning("job %s %s: %s", job.id, outcome, lost.reason)
        if outcome == "requeued":
            await dispatch_job(self._uow, self._queue, job)
        return outcome

    def _end(self, job: TranscodeJob, reason: str, now: datetime) -> str:
        if job.attempts >= self._max_attempts:
            job.fail(now, f"{reason} (attempt {job.attempts} of {self._max_attempts}; "
                          "giving up)")
            return "failed"
        job.requeue(now, f"{reason}; retrying")
        return "requeued"


async def reconcile_forever(reconcile: ReconcileExecutions, lock: LeaderLock,
                            interval: float) -> None:
    """Reconcile every interval while holding the leader lock, until cancelled."""
    while True:
        try:
            if await lock.acquire():
                result = await reconcile()
                if result.requeued or result.failed or result.dispatched:
                    log.info("execution reconciler: %s", result)
        except (InfrastructureError, MprError) as e:
            log.warning("execution reconciler: %s", e)
        await asyncio.sleep(interval)
