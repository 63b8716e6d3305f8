"""Recording what a Lambda run reports on its signed callback (lambda mode).

The database stays the truth, so a callback never moves a job backwards: a call of a run
that is not the job's live one (runs are numbered for good: a retry starts a new number, so
a cancelled run still calling after a quick retry is not taken for the new one), a replay or
an overtaken call (its `seq` at or below the last one taken), and progress after the outcome
change nothing. The first call of the run being dispatched starts the job. The answer tells
the run whether to go on."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from mpr.application.dispatching import dispatch_job
from mpr.application.job_reporting import register_output
from mpr.application.retrying import on_concurrent_update
from mpr.domain.callback_codec import CallbackEvent
from mpr.domain.errors import NotFound
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import TranscodeOutput
from mpr.domain.ports import Clock, JobQueue, MediaStorage, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the run is told: the job's status, whether the call changed it, whether to stop."""

    status: str
    accepted: bool
    stop: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CallbackReceiver:
    """What the callback endpoint needs: the shared secret and the use case."""

    secret: bytes
    record: RecordCallback


def lambda_worker_id(run: int) -> str:
    """The worker id the Lambda run with the given number holds the job under."""
    return f"lambda:r{run}"


def live_run(job: TranscodeJob) -> int:
    """The run callbacks may speak for: the one being dispatched while pending."""
    return job.runs + 1 if job.status is JobStatus.PENDING else job.runs


class RecordCallback:
    """Apply one verified callback to its job, once."""

    def __init__(self, uow: UnitOfWorkFactory, output_storage: MediaStorage, queue: JobQueue,
                 clock: Clock, max_attempts: int) -> None:
        self._uow, self._output, self._queue, self._clock = uow, output_storage, queue, clock
        self._max_attempts = max_attempts

    async def __call__(self, event: CallbackEvent) -> CallbackAnswer:
        """NotFound for an unknown job; otherwise the answer for the run."""
        missing = await self._missing_output(event)
        answer, job = await on_concurrent_update(lambda: self._apply(event, missing))
        if answer.accepted and job.status is JobStatus.PENDING:  # a crashed run, retried
            await dispatch_job(self._uow, self._queue, job)
        return answer

    async def _missing_output(self, event: CallbackEvent) -> str | None:
        """Why a reported output is not the one in the store, or None when it is."""
        if event.kind != "completed" or event.output_key is None:
            return None
        try:
            stored = await self._output.stat(event.output_key)
        except NotFound:
            return f"the Lambda reported output {event.output_key!r}, which is not stored"
        if stored.size != event.output_size:
            return (f"the Lambda reported {event.output_size} bytes for {event.output_key!r}; "
                    f"the store holds {stored.size}")
        return None

    async def _apply(self, event: CallbackEvent, missing: str | None
                     ) -> tuple[CallbackAnswer, TranscodeJob]:
        async with self._uow() as uow:
            job = await uow.jobs.get(event.job_id)
            refusal = _refusal(job, event)
            if refusal is not None:
                return refusal, job
            now = self._clock.now()
            if job.status is JobStatus.PENDING:
                job.start(now, lambda_worker_id(event.run))
            job.callback_seq = event.seq
            stop = await self._record(uow, job, event, missing)
            await uow.jobs.save(job)
            await uow.commit()
        return CallbackAnswer(job.status.value, accepted=True, stop=stop), job

    async def _record(self, uow: UnitOfWork, job: TranscodeJob, event: CallbackEvent,
                      missing: str | None) -> bool:
        """Change the job as the event says; True when the run should stop."""
        now = self._clock.now()
        if event.kind == "progress" and event.progress is not None:
            job.record_progress(now, event.progress)
        elif event.kind in ("started", "check"):
            job.heartbeat_at = now
        elif event.kind == "failed":
            for warning in event.warnings:
                job.warn(warning)
            job.fail(now, event.message or "the Lambda run failed")
        elif event.kind == "crashed":
            self._after_crash(job, event.message or "the Lambda run died", now)
        elif missing is not None or event.output_key != job.output_path:
            job.fail(now, missing or f"the Lambda reported output {event.output_key!r}, "
                                     f"not the job's {job.output_path!r}")
            return True
        else:
            output = TranscodeOutput(key=job.output_path, size=event.output_size or 0,
                                     package_size=event.package_size,
                                     media=(event.media or MediaInfo()).bounded(),
                                     warnings=event.warnings)
            await register_output(uow, job, output, now)
        return False


    def _after_crash(self, job: TranscodeJob, message: str, now: datetime) -> None:
        """Retry the job while attempts remain, else fail it with the crash's error."""
        if job.attempts >= self._max_attempts:
            job.fail(now, f"{message} (attempt {job.attempts} of {self._max_attempts}; "
                          "giving up)")
        else:
            job.requeue(now, f"{message}; retrying")


def _refusal(job: TranscodeJob, event: CallbackEvent) -> CallbackAnswer | None:
    """The answer to a call that changes nothing, or None when it applies."""
    status = job.status.value
    if event.run != live_run(job):
        log.info("callback of job %s run %d ignored: the job is at run %d (%s)",
                 job.id, event.run, live_run(job), status)
        return CallbackAnswer(status, accepted=False, stop=True, reason="stale run")
    if job.status is JobStatus.CANCELLED:
        return CallbackAnswer(status, accepted=False, stop=True, reason="cancelled")
    if job.status is JobStatus.COMPLETED:  # a repeat, or progress overtaken by the outcome
        return CallbackAnswer(status, accepted=False, stop=event.kind != "completed",
                              reason="already completed")
    if job.status is JobStatus.FAILED:
        return CallbackAnswer(status, accepted=False, stop=True, reason="already failed")
    if job.status is JobStatus.PROCESSING and event.seq <= job.callback_seq:
        return CallbackAnswer(status, accepted=False, reason="replayed or overtaken")
    return None
