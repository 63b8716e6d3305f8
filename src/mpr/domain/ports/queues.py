"""Ports of job dispatch and reporting: queues, the event channel, job reporters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from mpr.domain.events import DomainEvent
from mpr.domain.job import Progress, TranscodeJob
from mpr.domain.pipeline import (
    TranscodeOutput,
    TranscodeSpec,
)


@dataclass(frozen=True, slots=True)
class Dispatch:
    """What the queue returned for a dispatched job: a message id or an execution ARN."""

    task_id: str | None = None
    execution_arn: str | None = None


@dataclass(frozen=True, slots=True)
class QueueStats:
    """A queue's view of its load."""

    depth: int
    workers: int
    running: int


class JobQueue(Protocol):
    async def dispatch(self, spec: TranscodeSpec, priority: int = 0,
                       previous: Dispatch | None = None) -> Dispatch:
        """Hand a pending job's spec to the workers, higher priority first; a queue whose
        previous dispatch of the job is still live may return it instead of sending again."""
        ...

    async def cancel(self, job: TranscodeJob) -> None:
        """Stop a dispatched job's work wherever it runs; best effort, never raises NotFound."""
        ...

    async def check(self) -> None:
        """Raise QueueError when the queue cannot be reached."""
        ...

    async def stats(self) -> QueueStats:
        """How many jobs wait and how many workers are alive, as far as the queue knows."""
        ...


class EventChannel(Protocol):
    """Domain events between processes (workers to API servers); delivery is best effort, so
    listeners read the state the event names from the database and keep a slow poll."""

    async def publish(self, event: DomainEvent) -> None:
        """Send the event to every process listening now; QueueError when it cannot be sent."""
        ...

    def listen(self) -> AsyncIterator[DomainEvent]:
        """Events any process publishes from now on, until cancelled; reconnects by itself."""
        ...

    async def close(self) -> None:
        """Release connections; closing twice is harmless."""
        ...


class JobReporter(Protocol):
    """Where a running job reports to: the database locally, a signed callback in the cloud."""

    async def progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        """Record progress; raises JobCancelled when the job was cancelled meanwhile."""
        ...

    async def check_owned(self, job_id: uuid.UUID) -> None:
        """Raise JobCancelled (JobTakenOver) unless this run may still store the job's output."""
        ...

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        """Record the stored output; raises JobCancelled if the job may not complete."""
        ...

    async def failed(self, job_id: uuid.UUID, message: str,
                     warnings: Sequence[str] = ()) -> None:
        """Record that the job failed with the given message (and what the encoder warned)."""
        ...


class JobReporters(Protocol):
    """Hands each run the JobReporter that speaks for its worker (and run) alone."""

    def for_worker(self, worker_id: str, run: int | None = None) -> JobReporter:
        """A reporter whose writes count only while this worker (and run) owns the job."""
        ...
