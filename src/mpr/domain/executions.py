"""The port of an executor that runs jobs as tracked executions (Step Functions, lambda mode)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from mpr.domain.ports import JobReporter

ENDED = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


@dataclass(frozen=True, slots=True)
class ExecutionState:
    """What the executor says of one execution: its status and, once failed, why."""

    arn: str
    status: str  # RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (Step Functions' names)
    error: str | None = None
    cause: str | None = None

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    def reason(self) -> str:
        """The execution's end in a sentence, with its error and cause when it has them."""
        text = f"execution {self.arn.rsplit(':', 1)[-1]} ended {self.status}"
        details = ": ".join(p for p in (self.error, self.cause) if p)
        return f"{text} ({details[:1000]})" if details else text


class Executions(Protocol):
    """Executions of dispatched jobs, looked at and stopped by the reconciler."""

    async def describe(self, arn: str) -> ExecutionState:
        """The execution's state; NotFound when the executor does not know it, QueueError
        when it cannot be asked."""
        ...

    async def stop(self, arn: str, cause: str) -> None:
        """Stop a running execution (an ended or unknown one is left as it is); QueueError
        when it cannot be asked."""
        ...


class RunReporter(JobReporter, Protocol):
    """The JobReporter of one run outside MPR's processes (a Lambda), which announces itself."""

    async def started(self, job_id: uuid.UUID) -> None:
        """Announce that the run began; JobCancelled when it must not go on."""
        ...

    async def heartbeat(self, job_id: uuid.UUID) -> None:
        """Tell MPR the run is alive (the latest progress, when due); JobCancelled when the
        run must stop."""
        ...

    async def crashed(self, job_id: uuid.UUID, message: str) -> None:
        """Report that the run died without an outcome (a crash or timeout of its Lambda),
        so MPR retries or fails the job."""
        ...
