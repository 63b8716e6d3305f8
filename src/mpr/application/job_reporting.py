"""Recording a running job's progress and outcome in the database.

The local workers call this directly; in lambda mode the signed callback endpoint does.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from mpr.application.retrying import OUTAGE_DELAYS, on_concurrent_update, through_outage
from mpr.domain.asset import Location, MediaAsset
from mpr.domain.errors import ConcurrentUpdate, DatabaseError, JobCancelled, JobTakenOver
from mpr.domain.job import JobStatus, Progress, TranscodeJob
from mpr.domain.pipeline import TranscodeOutput
from mpr.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


class DatabaseJobReporter:
    """The JobReporter that writes straight to the database; idempotent and monotonic.

    A database outage does not stop an encode: a progress write that fails is skipped (the
    next one follows), and the outcome is written again until the database is back.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock,
                 outage_delays: Sequence[float] = OUTAGE_DELAYS,
                 worker_id: str | None = None, run: int | None = None) -> None:
        self._uow, self._clock, self._delays = uow, clock, outage_delays
        self._worker_id, self._run = worker_id, run

    def for_worker(self, worker_id: str, run: int | None = None) -> DatabaseJobReporter:
        """A reporter whose writes count only while this worker (and run) owns the job."""
        return DatabaseJobReporter(self._uow, self._clock, self._delays, worker_id, run)

    def _owns(self, job: TranscodeJob) -> bool:
        return ((self._worker_id is None or job.worker_id == self._worker_id)
                and (self._run is None or job.runs == self._run))

    def _check_owner(self, job: TranscodeJob) -> None:
        if not self._owns(job):
            raise JobTakenOver(f"job {job.id} now belongs to {job.worker_id} (run "
                               f"{job.runs}); stopping")

    async def check_owned(self, job_id: uuid.UUID) -> None:
        async with self._uow() as uow:
            job = await uow.jobs.get(job_id)
        if job.status is not JobStatus.PROCESSING:
            raise JobCancelled(f"job {job_id} is {job.status.value}; output discarded")
        self._check_owner(job)

    async def progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        try:
            async with self._uow() as uow:
                job = await uow.jobs.get(job_id)
                if job.status is not JobStatus.PROCESSING:
                    raise JobCancelled(f"job {job_id} is {job.status.value}; stopping")
                self._check_owner(job)
                job.record_progress(self._clock.now(), progress)
                await uow.jobs.save(job)
                await uow.commit()
        except ConcurrentUpdate:
            log.debug("progress of job %s lost a race; the next update follows", job_id)
        except DatabaseError as e:
            log.warning("progress of job %s not recorded (%s); the encode goes on", job_id, e)

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        await through_outage(
            lambda: on_concurrent_update(lambda: self._complete(job_id, output)), self._delays)

    async def _complete(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        async with self._uow() as uow:
            job = await uow.jobs.get(job_id)
            if job.status is JobStatus.COMPLETED and job.output_path == output.key:
                return  # a repeated report
            if job.status is not JobStatus.PROCESSING:
                raise JobCancelled(f"job {job_id} is {job.status.value}; output discarded")
            self._check_owner(job)
            await register_output(uow, job, output, self._clock.now())
            await uow.commit()

    async def failed(self, job_id: uuid.UUID, message: str,
                     warnings: Sequence[str] = ()) -> None:
        await through_outage(
            lambda: on_concurrent_update(lambda: self._fail(job_id, message, warnings)),
            self._delays)

    async def _fail(self, job_id: uuid.UUID, message: str, warnings: Sequence[str]) -> None:
        async with self._uow() as uow:
            job = await uow.jobs.get(job_id)
            if job.status is not JobStatus.PROCESSING or not self._owns(job):
                log.info("job %s failed after it became %s (%s): %s", job_id, job.status,
                         job.worker_id, message)
                return
            for warning in warnings:
                job.warn(warning)
            job.fail(self._clock.now(), message)
            await uow.jobs.save(job)
            await uow.commit()


async def register_output(uow: UnitOfWork, job: TranscodeJob, output: TranscodeOutput,
                          now: datetime) -> None:
    """Register the stored output as a ready output asset and complete the job (uncommitted);
    the same in every executor."""
    asset = MediaAsset.register(output.key, Location.OUTPUT, now, output.stored_size)
    asset.mark_ready(output.media, now)
    await uow.assets.add(asset)
    for warning in output.warnings:
        job.warn(warning)
    job.complete(now, asset.id)
    await uow.jobs.save(job)
