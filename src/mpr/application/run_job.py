"""The worker side of a job: claim it, run the pipeline, record the outcome."""

from __future__ import annotations

import asyncio
import logging
import uuid

from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.ports import Clock, JobReporter, UnitOfWorkFactory

log = logging.getLogger(__name__)


class RunJob:
    """Run one dispatched job, at most once at a time whatever the queue delivers."""

    def __init__(self, uow: UnitOfWorkFactory, pipeline: TranscodePipeline,
                 reporter: JobReporter, clock: Clock) -> None:
        self._uow, self._pipeline, self._reporter, self._clock = uow, pipeline, reporter, clock

    async def __call__(self, job_id: uuid.UUID, worker_id: str) -> bool:
        """Run the job if this worker wins the claim; False when it was not pending."""
        spec = await self._claim(job_id, worker_id)
        if spec is None:
            log.info("job %s is not pending; delivery ignored by %s", job_id, worker_id)
            return False
        try:
            await self._pipeline.run(spec, self._reporter)
        except asyncio.CancelledError:
            await asyncio.shield(self._hand_back(job_id))
            raise
        except Exception as e:
            log.exception("job %s crashed", job_id)
            await self._reporter.failed(job_id, f"internal error: {type(e).__name__}: {e}")
        return True

    async def _claim(self, job_id: uuid.UUID, worker_id: str) -> TranscodeSpec | None:
        async with self._uow() as uow:
            job = await uow.jobs.claim(job_id, worker_id, self._clock.now())
            if job is None:
                return None
            asset = await uow.assets.get(job.source_asset_id)
            await uow.commit()
        return _spec(job, asset.file_path, asset.media.duration)

    async def _hand_back(self, job_id: uuid.UUID) -> None:
        """The worker stopped mid-job: a job still processing goes back to pending."""
        async with self._uow() as uow:
            job = await uow.jobs.get(job_id)
            if job.status is JobStatus.PROCESSING:
                job.requeue(self._clock.now(), "worker stopped; job handed back")
                await uow.jobs.save(job)
                await uow.commit()


def _spec(job: TranscodeJob, source_key: str, duration: float | None) -> TranscodeSpec:
    return TranscodeSpec(job_id=job.id, source_key=source_key, source_duration=duration,
                         preset=job.preset, trim=job.trim, output_key=job.output_path)
