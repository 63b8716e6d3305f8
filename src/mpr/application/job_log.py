"""One INFO line per job event, so an operator tailing the log sees every job's story.

Subscribed to the message bus of the process that commits the change (server or worker);
progress ticks are left out. Completed lines carry the output's size and the encode time,
read once from the database after the commit."""

from __future__ import annotations

import logging

from mpr.domain.errors import NotFound
from mpr.domain.events import (
    JobCancelled,
    JobCompleted,
    JobCreated,
    JobEvent,
    JobFailed,
    JobProgressed,
    JobRequeued,
    JobStarted,
)
from mpr.domain.job import TranscodeJob
from mpr.domain.ports import UnitOfWorkFactory

log = logging.getLogger("mpr.jobs")


def _size(n: int | None) -> str:
    if n is None:
        return "unknown size"
    value, units = float(n), ["B", "KB", "MB", "GB", "TB"]
    unit = 0
    while value >= 1000 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    return f"{value:.1f} {units[unit]}" if unit else f"{n} B"


def _elapsed(job: TranscodeJob) -> str:
    if job.started_at is None or job.completed_at is None:
        return "unknown time"
    return f"{(job.completed_at - job.started_at).total_seconds():.1f} s"


def _detail(event: JobEvent, job: TranscodeJob, size: int | None) -> str | None:
    """The words after the job id: what happened, to what, and its figures; None: not logged."""
    what = f"{job.output_filename} ({job.preset.name})"
    match event:
        case JobCreated():
            return f"created: {what} by {job.created_by or 'unknown'}"
        case JobStarted(attempt=attempt, worker_id=worker):
            return f"started: {what}, attempt {attempt} on {worker or 'a worker'}"
        case JobCompleted():
            return f"completed: {what}, {_size(size)} in {_elapsed(job)}"
        case JobFailed(message=message):
            return f"failed: {what}: {message}"
        case JobCancelled():
            return f"cancelled: {what}"
        case JobRequeued(reason=reason):
            return f"requeued: {what}: {reason}"
    return None


class JobEventLog:
    """Log each job event (not progress) as one line naming the job, its output and preset."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, event: JobEvent) -> None:
        if isinstance(event, JobProgressed):
            return
        async with self._uow() as uow:
            try:
                job = await uow.jobs.get(event.job_id)
                size = ((await uow.assets.get(event.output_asset_id)).file_size
                        if isinstance(event, JobCompleted) else None)
            except NotFound:
                return
        line = _detail(event, job, size)
        if line is not None:
            log.info("job %s %s", job.id, line)
