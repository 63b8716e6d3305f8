"""One error hierarchy for MPR; each error carries a machine-readable code."""

from __future__ import annotations


class MprError(Exception):
    """Base of every error MPR raises on purpose."""

    code = "INTERNAL"


class DomainError(MprError):
    """A rule of the domain refused the request."""

    code = "DOMAIN_ERROR"


class ValidationError(DomainError):
    """Input that can never be valid (bad id, bad trim, bad preset...)."""

    code = "BAD_USER_INPUT"


class NotFound(DomainError):
    """An entity that does not exist was named."""

    code = "NOT_FOUND"

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


class Conflict(DomainError):
    """The request clashes with the current state of other entities."""

    code = "CONFLICT"


class InvalidTransition(DomainError):
    """The job state machine refused an action in the job's current state."""

    code = "INVALID_TRANSITION"

    def __init__(self, job_id: object, state: str, action: str) -> None:
        super().__init__(f"cannot {action} job {job_id}: it is {state}")
        self.job_id = job_id
        self.state = state
        self.action = action


class InfrastructureError(MprError):
    """An adapter failed: storage, database, queue, ffmpeg."""

    code = "UNAVAILABLE"


class StorageError(InfrastructureError):
    """A media store could not be read or written."""

    code = "STORAGE_ERROR"


class ProbeError(InfrastructureError):
    """ffprobe could not read a file as media."""

    code = "PROBE_ERROR"


class TranscodeError(InfrastructureError):
    """ffmpeg failed; the message holds the tail of its stderr."""

    code = "TRANSCODE_ERROR"


class QueueError(InfrastructureError):
    """A job could not be dispatched or cancelled on the queue."""

    code = "QUEUE_ERROR"


class DatabaseError(InfrastructureError):
    """The database could not be reached or refused the operation."""

    code = "DATABASE_UNAVAILABLE"


class JobCancelled(MprError):
    """Raised inside a running job when it learns it was cancelled."""

    code = "CANCELLED"


class JobTakenOver(JobCancelled):
    """Raised in a worker whose job was given to another worker (its heartbeat went stale)."""

    code = "TAKEN_OVER"


class ConcurrentUpdate(Conflict):
    """Another transaction changed the same entity first; try again on fresh state."""

    code = "CONCURRENT_UPDATE"
