"""Cancel and retry: the person-driven transitions of a job."""

from __future__ import annotations

import logging

from mpr.application.dispatching import dispatch_job
from mpr.application.ids import parse_id
from mpr.application.retrying import on_concurrent_update
from mpr.domain.errors import InfrastructureError
from mpr.domain.job import TranscodeJob
from mpr.domain.ports import Clock, JobQueue, UnitOfWorkFactory

log = logging.getLogger(__name__)


class CancelJob:
    """Cancel a pending or processing job and stop its worker."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue, clock: Clock) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock

    async def __call__(self, job_id: str) -> TranscodeJob:
        jid = parse_id(job_id, "job")

        async def cancel() -> TranscodeJob:
            async with self._uow() as uow:
                job = await uow.jobs.get(jid)
                job.cancel(self._clock.now())
                await uow.jobs.save(job)
                await uow.commit()
            return job

        job = await on_concurrent_update(cancel)
        try:
            await self._queue.cancel(job)
        except InfrastructureError:
            log.exception("job %s is cancelled but its worker could not be told", job.id)
        return job


class RetryJob:
    """Put a failed or cancelled job back to pending and dispatch it."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue, clock: Clock) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock

    async def __call__(self, job_id: str) -> TranscodeJob:
        jid = parse_id(job_id, "job")

        async def retry() -> TranscodeJob:
            async with self._uow() as uow:
                job = await uow.jobs.get(jid)
                job.retry(self._clock.now())
                await uow.jobs.save(job)
                await uow.commit()
            return job

        job = await on_concurrent_update(retry)
        return await dispatch_job(self._uow, self._queue, job)
