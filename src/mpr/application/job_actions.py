"""Cancel, retry and clear: what people do to jobs."""

from __future__ import annotations

import logging

from mpr.application.dispatching import dispatch_job
from mpr.application.ids import parse_id
from mpr.application.missing_objects import refuse_missing_source
from mpr.application.queries import parse_enum
from mpr.application.retrying import on_concurrent_update
from mpr.domain.asset import MediaAsset
from mpr.domain.errors import InfrastructureError, ValidationError
from mpr.domain.job import JobStatus, TranscodeJob
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

        async def retry() -> tuple[TranscodeJob, MediaAsset]:
            async with self._uow() as uow:
                job = await uow.jobs.get(jid)
                job.retry(self._clock.now())
                source = await uow.assets.get(job.source_asset_id)
                refuse_missing_source(source)
                await uow.jobs.save(job)
                await uow.commit()
            return job, source

        job, source = await on_concurrent_update(retry)
        return await dispatch_job(self._uow, self._queue, job, source)


ENDED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class ClearFinishedJobs:
    """Remove ended jobs (all, or those of one ended status) from the list; outputs stay."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, status: str | None = None) -> int:
        chosen = parse_enum(JobStatus, status, "job status")
        if chosen is not None and chosen.is_active:
            raise ValidationError(f"{chosen.value} jobs have not finished; cancel them first")
        async with self._uow() as uow:
            removed = await uow.jobs.delete_ended([chosen] if chosen else ENDED)
            await uow.commit()
        log.info("cleared %d finished job(s)", removed)
        return removed
