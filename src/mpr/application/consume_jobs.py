"""Consuming "work is available" messages (the Dramatiq job actor's body): the database,
not the message, says which job runs."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import uuid
from collections.abc import Sequence

from mpr.application.dispatching import dispatch_job
from mpr.application.run_job import RunJob
from mpr.domain.errors import MprError
from mpr.domain.job import JobStatus
from mpr.domain.ports import JobQueue, UnitOfWorkFactory

log = logging.getLogger(__name__)
CANDIDATES = 8  # pending jobs tried per message, highest priority first


class JobConsumer:
    """Run the highest-priority pending job this worker can claim; track it for cancel/stop."""

    def __init__(self, uow: UnitOfWorkFactory, run_job: RunJob, queue: JobQueue,
                 name: str | None = None) -> None:
        self._uow, self._run_job, self._queue = uow, run_job, queue
        self.name = name or f"{socket.gethostname()}-{uuid.uuid4().hex[:6]}"
        self._running: dict[uuid.UUID, asyncio.Task[bool]] = {}
        self._seq = itertools.count(1)
        self._stopping = False

    @property
    def running(self) -> int:
        return len(self._running)

    async def __call__(self, job_id: str) -> None:
        """Handle one message; while stopping, hand the message back instead."""
        if self._stopping:
            await self._redispatch(uuid.UUID(job_id))
            return None
        for candidate in await self._candidates():
            if self._stopping:
                return await self._redispatch(uuid.UUID(job_id))
            if await self._run(candidate):
                return None
        return None

    async def _candidates(self) -> Sequence[uuid.UUID]:
        async with self._uow() as uow:
            return list(await uow.jobs.pending_ids())[:CANDIDATES]

    async def _run(self, job_id: uuid.UUID) -> bool:
        """Try to claim and run one job; True when this worker ran it (or stopped it)."""
        worker_id = f"{self.name}-{next(self._seq)}"
        task = asyncio.create_task(self._run_job(job_id, worker_id))
        self._running[job_id] = task
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            await self._redispatch(job_id)  # stopped from here: cancelled, or handed back
            return True
        finally:
            self._running.pop(job_id, None)

    def cancel_local(self, job_id: str) -> None:
        """Stop this worker's run of the job at once (a published cancel); loop thread only."""
        task = self._running.get(uuid.UUID(job_id))
        if task is not None:
            task.cancel()

    async def stop(self, grace: float) -> None:
        """Take no more jobs; let running ones finish for `grace` s, then hand them back."""
        self._stopping = True
        tasks = set(self._running.values())
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=10)

    async def _redispatch(self, job_id: uuid.UUID) -> None:
        """Send a fresh message for a job that is still pending (a handed-back job)."""
        try:
            async with self._uow() as uow:
                job = await uow.jobs.get(job_id)
            if job.status is JobStatus.PENDING:
                await dispatch_job(self._uow, self._queue, job)
        except MprError as e:
            log.warning("could not hand job %s back to the queue: %s", job_id, e)
