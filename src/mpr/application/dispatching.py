"""Handing stored jobs to the queue; the database stays the source of truth."""

from __future__ import annotations

import logging
from dataclasses import replace

from mpr.application.job_specs import next_run_spec
from mpr.application.retrying import on_concurrent_update
from mpr.domain.asset import MediaAsset
from mpr.domain.errors import InfrastructureError, NotFound
from mpr.domain.job import TranscodeJob
from mpr.domain.ports import Dispatch, JobQueue, UnitOfWorkFactory

log = logging.getLogger(__name__)


async def dispatch_job(uow_factory: UnitOfWorkFactory, queue: JobQueue, job: TranscodeJob,
                       source: MediaAsset | None = None) -> TranscodeJob:
    """Dispatch a stored pending job's spec and record the queue's reference on it.

    Returns the job as dispatched (pending), even if a fast worker has already claimed it.
    A dispatch failure leaves the job pending: recovery dispatches it again later.
    """
    try:
        if source is None:
            async with uow_factory() as uow:
                source = await uow.assets.get(job.source_asset_id)
        previous = Dispatch(task_id=job.task_id, execution_arn=job.execution_arn)
        dispatch = await queue.dispatch(next_run_spec(job, source), job.priority, previous)
    except (InfrastructureError, NotFound):
        log.exception("could not dispatch job %s; it stays pending", job.id)
        return job

    async def record() -> None:
        async with uow_factory() as uow:
            stored = await uow.jobs.get(job.id)
            stored.task_id = dispatch.task_id or stored.task_id
            stored.execution_arn = dispatch.execution_arn or stored.execution_arn
            await uow.jobs.save(stored)
            await uow.commit()

    await on_concurrent_update(record)
    return replace(job, task_id=dispatch.task_id or job.task_id,
                   execution_arn=dispatch.execution_arn or job.execution_arn)
