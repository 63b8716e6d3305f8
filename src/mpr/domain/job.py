"""TranscodeJob and its state machine: one transition table, intent-named methods."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from mpr.domain.errors import InvalidTransition, ValidationError
from mpr.domain.events import (
    MAX_EVENT_TEXT,
    DomainEvent,
    JobCancelled,
    JobCompleted,
    JobCreated,
    JobFailed,
    JobProgressed,
    JobRequeued,
    JobStarted,
)
from mpr.domain.preset import TranscodePreset

MAX_WARNINGS = 20
MAX_WARNING_LENGTH = 500


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_active(self) -> bool:
        """True while the job may still run (pending or processing)."""
        return self in (JobStatus.PENDING, JobStatus.PROCESSING)


P, R, C, F, X = (JobStatus.PENDING, JobStatus.PROCESSING, JobStatus.COMPLETED,
                 JobStatus.FAILED, JobStatus.CANCELLED)

TRANSITIONS: dict[tuple[JobStatus, str], JobStatus] = {
    (P, "start"): R,
    (P, "cancel"): X,
    (R, "complete"): C,
    (R, "fail"): F,
    (R, "cancel"): X,
    (R, "requeue"): P,  # worker lost or handed back: dispatched again
    (F, "retry"): P,
    (X, "retry"): P,
}
ACTIONS = ("start", "complete", "fail", "cancel", "retry", "requeue")


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a running encode is: percent done, media time reached, speed and ETA."""

    percent: float
    current_time: float | None = None
    speed: float | None = None
    eta: float | None = None


@dataclass(frozen=True, slots=True)
class Trim:
    """A segment of the source in seconds; either end may be open."""

    start: float | None = None
    end: float | None = None

    def check_within(self, duration: float | None) -> None:
        """Refuse a negative, reversed or out-of-media segment."""
        start, end = self.start, self.end
        if start is not None and start < 0:
            raise ValidationError(f"trimStart {start} is negative")
        if end is not None and end <= 0:
            raise ValidationError(f"trimEnd {end} must be after the start of the media")
        if start is not None and end is not None and start >= end:
            raise ValidationError(f"trimStart {start} must be before trimEnd {end}")
        if duration is None:
            return
        if start is not None and start >= duration:
            raise ValidationError(f"trimStart {start} is outside the media ({duration:.3f} s)")
        if end is not None and end > duration + 0.001:
            raise ValidationError(f"trimEnd {end} is outside the media ({duration:.3f} s)")

    def length(self, duration: float | None) -> float | None:
        """Seconds of media the segment covers, when known."""
        end = self.end if self.end is not None else duration
        return None if end is None else max(0.0, end - (self.start or 0.0))


@dataclass(slots=True)
class TranscodeJob:
    """One unit of processing: a source, a preset snapshot, a segment and an output key."""

    id: uuid.UUID
    source_asset_id: uuid.UUID
    preset: TranscodePreset
    output_filename: str
    output_path: str
    created_at: datetime
    updated_at: datetime
    trim: Trim = Trim()
    status: JobStatus = JobStatus.PENDING
    progress: float = 0.0
    current_time: float | None = None
    speed: float | None = None
    eta: float | None = None
    error_message: str | None = None
    warnings: list[str] = field(default_factory=list)  # what ffmpeg or the checks noticed
    output_asset_id: uuid.UUID | None = None
    task_id: str | None = None
    execution_arn: str | None = None
    callback_seq: int = 0  # the last callback of this attempt's Lambda run taken (lambda mode)
    priority: int = 0
    attempts: int = 0  # runs of this job since it was created or last retried
    runs: int = 0  # runs ever started: names each run, never reset (a retry keeps counting)
    worker_id: str | None = None
    heartbeat_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    created_by: str | None = None  # the principal that made it: 'user:alice', 'token:ci'
    batch_id: uuid.UUID | None = None  # the batch it was started with, if any (createJobs)
    # optimistic-locking token: set by repositories, checked on save; not part of the value
    version: int = field(default=0, compare=False)
    # what happened to it since it was read, for the unit of work to publish after commit
    events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def create(cls, job_id: uuid.UUID, source_asset_id: uuid.UUID, preset: TranscodePreset,
               output_path: str, now: datetime, trim: Trim = Trim(), priority: int = 0,
               batch_id: uuid.UUID | None = None) -> TranscodeJob:
        """A new pending job, recording that it was created."""
        job = cls(id=job_id, source_asset_id=source_asset_id, preset=preset,
                  output_filename=output_path.rsplit("/", 1)[-1], output_path=output_path,
                  created_at=now, updated_at=now, trim=trim, priority=priority,
                  batch_id=batch_id)
        job.events.append(JobCreated(at=now, job_id=job_id, status=job.status,
                                     source_asset_id=source_asset_id))
        return job

    @property
    def preset_id(self) -> uuid.UUID:
        return self.preset.id

    def start(self, now: datetime, worker_id: str | None = None) -> None:
        """A worker took the job: it is processing, one more attempt."""
        self._transition("start", now)
        self.attempts += 1
        self.runs += 1
        self.worker_id = worker_id
        self.heartbeat_at = now
        self.started_at = now
        self.callback_seq = 0
        self.error_message = None
        self.warnings = []
        self._reset_progress()
        self.record_started()

    def record_started(self) -> None:
        """Record the start; a store that claims a job atomically calls it on what it returns."""
        self.events.append(JobStarted(at=self.updated_at, job_id=self.id, status=self.status,
                                      attempt=self.attempts, worker_id=self.worker_id))

    def complete(self, now: datetime, output_asset_id: uuid.UUID) -> None:
        """The output is stored and registered."""
        self._transition("complete", now)
        self.output_asset_id = output_asset_id
        self.progress = 100.0
        self.eta = 0.0
        self.completed_at = now
        self.worker_id = None
        self.events.append(JobCompleted(at=now, job_id=self.id, status=self.status,
                                        output_asset_id=output_asset_id))

    def fail(self, now: datetime, message: str) -> None:
        """The encode failed; the message says why."""
        self._transition("fail", now)
        self.error_message = message
        self.completed_at = now
        self.worker_id = None
        self.events.append(JobFailed(at=now, job_id=self.id, status=self.status,
                                     message=message[:MAX_EVENT_TEXT]))

    def cancel(self, now: datetime) -> None:
        """A person stopped the job."""
        self._transition("cancel", now)
        self.completed_at = now
        self.worker_id = None
        self.events.append(JobCancelled(at=now, job_id=self.id, status=self.status))

    def retry(self, now: datetime) -> None:
        """Run a failed or cancelled job again from the start, with a fresh attempt budget."""
        self._transition("retry", now)
        self._back_to_pending()
        self.attempts = 0
        self.events.append(JobRequeued(at=now, job_id=self.id, status=self.status,
                                       reason="retried"))

    def requeue(self, now: datetime, reason: str) -> None:
        """Its worker was lost or handed it back: wait for dispatch again."""
        self._transition("requeue", now)
        self._back_to_pending()
        self.error_message = reason
        self.events.append(JobRequeued(at=now, job_id=self.id, status=self.status,
                                       reason=reason[:MAX_EVENT_TEXT]))

    def record_progress(self, now: datetime, progress: Progress) -> None:
        """Note how far the encode got; only while processing, never backwards."""
        if self.status is not JobStatus.PROCESSING:
            raise InvalidTransition(self.id, self.status.value, "record progress of")
        self.progress = max(self.progress, min(100.0, max(0.0, progress.percent)))
        self.current_time = progress.current_time
        self.speed = progress.speed
        self.eta = progress.eta
        self.heartbeat_at = now
        self.updated_at = now
        self.events.append(JobProgressed(at=now, job_id=self.id, status=self.status,
                                         progress=self.progress, current_time=self.current_time,
                                         speed=self.speed, eta=self.eta))

    def warn(self, message: str) -> None:
        """Keep a warning about the run (bounded in count and length, no repeats)."""
        text = message.strip()[:MAX_WARNING_LENGTH]
        if text and text not in self.warnings and len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(text)

    def _transition(self, action: str, now: datetime) -> None:
        target = TRANSITIONS.get((self.status, action))
        if target is None:
            raise InvalidTransition(self.id, self.status.value, action)
        self.status = target
        self.updated_at = now

    def _back_to_pending(self) -> None:
        self.error_message = None
        self.warnings = []
        self.completed_at = None
        self.started_at = None
        self.worker_id = None
        self.heartbeat_at = None
        self.output_asset_id = None
        self.task_id = None
        self.execution_arn = None
        self.callback_seq = 0
        self._reset_progress()

    def _reset_progress(self) -> None:
        self.progress = 0.0
        self.current_time = None
        self.speed = None
        self.eta = None

    def copy(self) -> TranscodeJob:
        """An independent copy (used by in-memory stores), without events to publish."""
        return replace(self, warnings=list(self.warnings), events=[])
