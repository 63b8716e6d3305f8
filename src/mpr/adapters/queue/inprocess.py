"""The embedded queue: jobs run as asyncio tasks inside the server process."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import uuid
from collections.abc import Awaitable, Callable

from mpr.domain.errors import QueueError
from mpr.domain.job import TranscodeJob
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.ports import Dispatch, QueueStats

log = logging.getLogger(__name__)
JobHandler = Callable[[TranscodeSpec, str], Awaitable[object]]


class InProcessQueue:
    """A priority queue served by `concurrency` worker tasks; cancel stops a job's task."""

    def __init__(self, concurrency: int) -> None:
        self._concurrency = concurrency
        self._queue: asyncio.PriorityQueue[tuple[int, int, uuid.UUID]] | None = None
        self._queued: dict[uuid.UUID, TranscodeSpec] = {}
        self._running: dict[uuid.UUID, asyncio.Task[object]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._seq = itertools.count()

    def start(self, handler: JobHandler) -> None:
        """Start the worker tasks on the running loop."""
        queue: asyncio.PriorityQueue[tuple[int, int, uuid.UUID]] = asyncio.PriorityQueue()
        self._queue = queue
        prefix = f"inprocess-{os.getpid()}"
        self._workers = [
            asyncio.create_task(self._work(queue, handler, f"{prefix}-{n}"), name=f"mpr-worker-{n}")
            for n in range(self._concurrency)
        ]

    async def stop(self) -> None:
        """Stop the workers; running jobs are handed back to pending by their handler."""
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def close(self) -> None:
        """Stop the workers if they run (what the process does on its way out)."""
        await self.stop()

    async def dispatch(self, spec: TranscodeSpec, priority: int = 0,
                       previous: Dispatch | None = None) -> Dispatch:
        if self._queue is None:
            raise QueueError("the in-process queue is not running")
        job_id = spec.job_id
        if job_id not in self._queued and job_id not in self._running:
            self._queued[job_id] = spec
            self._queue.put_nowait((-priority, next(self._seq), job_id))
        return Dispatch(task_id=f"inprocess:{job_id}")

    async def cancel(self, job: TranscodeJob) -> None:
        self._queued.pop(job.id, None)  # a queued entry no longer in the map is skipped
        task = self._running.get(job.id)
        if task is not None:
            task.cancel()
            await asyncio.wait({task}, timeout=5)

    async def check(self) -> None:
        if not self._workers or all(w.done() for w in self._workers):
            raise QueueError("no in-process worker is running")

    async def stats(self) -> QueueStats:
        alive = sum(not w.done() for w in self._workers)
        return QueueStats(depth=len(self._queued), workers=alive, running=len(self._running))

    async def _work(self, queue: asyncio.PriorityQueue[tuple[int, int, uuid.UUID]],
                    handler: JobHandler, worker_id: str) -> None:
        while True:
            _, _, job_id = await queue.get()
            spec = self._queued.pop(job_id, None)
            if spec is None:
                continue
            task = asyncio.create_task(_run(handler, spec, worker_id))
            self._running[job_id] = task
            try:
                await asyncio.wait({task})
            except asyncio.CancelledError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                raise
            finally:
                self._running.pop(job_id, None)



async def _run(handler: JobHandler, spec: TranscodeSpec, worker_id: str) -> object:
    try:
        return await handler(spec, worker_id)
    except Exception:
        log.exception("job %s: worker %s crashed", spec.job_id, worker_id)
        return None
