"""Handing stored jobs to the queue; the database stays the source of truth."""

from __future__ import annotations

import logging
from dataclasses import replace

from mpr.application.retrying import on_concurrent_update
from mpr.domain.errors import InfrastructureError
from mpr.domain.job import TranscodeJob
from mpr.domain.ports import JobQueue, UnitOfWorkFactory

log = logging.getLogger(__name__)


async def dispatch_job(uow_factory: UnitOfWorkFactory, queue: JobQueue,
                       job: TranscodeJob) -> TranscodeJob:
    """Dispatch a stored pending job and record the queue's reference on it.

    Returns the job as dispatched (pending), even if a fast worker has already claimed it.
    A dispatch failure leaves the job pending: recovery dispatches it again later.
    """
    try:
        dispatch = await queue.dispatch(job)
    except InfrastructureError:
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
