"""Recording a running job's progress and outcome in the database.

The local workers call this directly; in lambda mode the signed callback endpoint does.
"""

from __future__ import annotations

import logging
import uuid

from mpr.application.retrying import on_concurrent_update
from mpr.domain.asset import Location, MediaAsset
from mpr.domain.errors import ConcurrentUpdate, JobCancelled
from mpr.domain.job import JobStatus, Progress
from mpr.domain.pipeline import TranscodeOutput
from mpr.domain.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)


class DatabaseJobReporter:
    """The JobReporter that writes straight to the database; idempotent and monotonic."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        try:
            async with self._uow() as uow:
                job = await uow.jobs.get(job_id)
                if job.status is not JobStatus.PROCESSING:
                    raise JobCancelled(f"job {job_id} is {job.status.value}; stopping")
                job.record_progress(self._clock.now(), progress)
                await uow.jobs.save(job)
                await uow.commit()
        except ConcurrentUpdate:
            log.debug("progress of job %s lost a race; the next update follows", job_id)

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        await on_concurrent_update(lambda: self._complete(job_id, output))

    async def _complete(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        async with self._uow() as uow:
            job = await uow.jobs.get(job_id)
            if job.status is JobStatus.COMPLETED and job.output_path == output.key:
                return  # a repeated report
            if job.status is not JobStatus.PROCESSING:
                raise JobCancelled(f"job {job_id} is {job.status.value}; output discarded")
            now = self._clock.now()
            asset = MediaAsset.register(output.key, Location.OUTPUT, now, output.size)
            asset.mark_ready(output.media, now)
            await uow.assets.add(asset)
            job.complete(now, asset.id)
            await uow.jobs.save(job)
            await uow.commit()

    async def failed(self, job_id: uuid.UUID, message: str) -> None:
        await on_concurrent_update(lambda: self._fail(job_id, message))

    async def _fail(self, job_id: uuid.UUID, message: str) -> None:
        async with self._uow() as uow:
            job = await uow.jobs.get(job_id)
            if job.status is not JobStatus.PROCESSING:
                log.info("job %s failed after it became %s: %s", job_id, job.status, message)
                return
            job.fail(self._clock.now(), message)
            await uow.jobs.save(job)
            await uow.commit()
