"""The worker side of a job: claim it, run the pipeline, record the outcome."""

from __future__ import annotations

import asyncio
import logging
import uuid

from mpr.application.job_specs import spec_for
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.errors import InfrastructureError
from mpr.domain.job import JobStatus
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.ports import Clock, JobReporters, UnitOfWorkFactory

log = logging.getLogger(__name__)
# seconds between heartbeats; each one also notices a cancel or a takeover (a short poll)
HEARTBEAT_INTERVAL = 0.5


class RunJob:
    """Run one dispatched job, at most once at a time whatever the queue delivers."""

    def __init__(self, uow: UnitOfWorkFactory, pipeline: TranscodePipeline,
                 reporter: JobReporters, clock: Clock,
                 heartbeat_interval: float = HEARTBEAT_INTERVAL) -> None:
        self._uow, self._pipeline, self._reporter, self._clock = uow, pipeline, reporter, clock
        self._interval = heartbeat_interval

    async def run_spec(self, spec: TranscodeSpec, worker_id: str) -> bool:
        """Run a dispatched spec if this worker wins the claim (see `__call__`)."""
        return await self(spec.job_id, worker_id, spec)

    async def __call__(self, job_id: uuid.UUID, worker_id: str,
                       dispatched: TranscodeSpec | None = None) -> bool:
        """Run the job if this worker wins the claim; False when it was not pending.

        The claim decides: a dispatched spec is run when it is the claimed run's, and
        the spec is built from the claimed job otherwise."""
        spec = await self._claim(job_id, worker_id, dispatched)
        if spec is None:
            log.info("job %s is not pending; delivery ignored by %s", job_id, worker_id)
            return False
        try:
            await self._run_leased(spec, worker_id)
        except asyncio.CancelledError:
            await asyncio.shield(self._hand_back(job_id, worker_id))
            raise
        except Exception as e:
            log.exception("job %s crashed", job_id)
            await self._reporter.for_worker(worker_id).failed(
                job_id, f"internal error: {type(e).__name__}: {e}")
        return True

    async def _claim(self, job_id: uuid.UUID, worker_id: str,
                     dispatched: TranscodeSpec | None) -> TranscodeSpec | None:
        async with self._uow() as uow:
            job = await uow.jobs.claim(job_id, worker_id, self._clock.now())
            if job is None:
                return None
            if dispatched is not None and dispatched.run == job.runs:
                await uow.commit()
                return dispatched
            asset = await uow.assets.get(job.source_asset_id)
            await uow.commit()
        return spec_for(job, asset, job.runs)

    async def _run_leased(self, spec: TranscodeSpec, worker_id: str) -> None:
        """Run the pipeline while heart-beating; stop it when the job is no longer ours."""
        reporter = self._reporter.for_worker(worker_id, spec.run)
        work = asyncio.create_task(self._pipeline.run(spec, reporter))
        beat = asyncio.create_task(self._beat(spec.job_id, worker_id, work))
        try:
            await asyncio.wait({work})
        finally:
            beat.cancel()
            if not work.done():  # we were cancelled: stop the encode before handing back
                work.cancel()
                await asyncio.wait({work})
        if work.cancelled() and beat.done() and not beat.cancelled():
            log.info("job %s is no longer %s's (cancelled or taken over); stopped it",
                     spec.job_id, worker_id)
            return
        work.result()

    async def _beat(self, job_id: uuid.UUID, worker_id: str, work: asyncio.Task[None]) -> None:
        """Touch the heartbeat every interval; cancel the work once the lease is lost."""
        while True:
            await asyncio.sleep(self._interval)
            try:
                async with self._uow() as uow:
                    mine = await uow.jobs.heartbeat(job_id, worker_id, self._clock.now())
                    await uow.commit()
            except InfrastructureError as e:
                log.warning("heartbeat of job %s failed (%s); trying again", job_id, e)
                continue
            if not mine:
                work.cancel()
                return

    async def _hand_back(self, job_id: uuid.UUID, worker_id: str) -> None:
        """The worker stopped mid-job: a job it still processes goes back to pending."""
        async with self._uow() as uow:
            job = await uow.jobs.get(job_id)
            if job.status is JobStatus.PROCESSING and job.worker_id == worker_id:
                job.requeue(self._clock.now(), "worker stopped; job handed back")
                await uow.jobs.save(job)
                await uow.commit()

