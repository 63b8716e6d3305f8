"""One error hierarchy for MPR; each error carries a machine-readable code."""

from __future__ import annotations


class MprError(Exception):
    """Base of every error MPR raises on purpose."""

    code = "INTERNAL"


class DomainError(MprError):
    """A rule of the domain refused the request; `field` names the input at fault, if one is."""

    code = "DOMAIN_ERROR"

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        self.field = field


class ValidationError(DomainError):
    """Input that can never be valid (bad id, bad trim, bad preset...)."""

    code = "BAD_USER_INPUT"


class InvalidMessage(ValidationError):
    """A message from outside the process (a queued job spec) that is not what its schema says."""

    code = "INVALID_MESSAGE"


class NotFound(DomainError):
    """An entity that does not exist was named."""

    code = "NOT_FOUND"

    def __init__(self, kind: str, ident: object, message: str | None = None) -> None:
        super().__init__(message or f"{kind} {ident} not found")
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


class RefusedObject(StorageError):
    """A stored object MPR will not read: a link, a FIFO or device, a file with other hard links."""

    code = "REFUSED_OBJECT"


class ProbeError(InfrastructureError):
    """ffprobe could not read a file as media."""

    code = "PROBE_ERROR"


class TranscodeError(InfrastructureError):
    """ffmpeg failed; the message holds the tail of its stderr."""

    code = "TRANSCODE_ERROR"


class TranscodeTimeout(TranscodeError):
    """The job watchdog stopped an ffmpeg that stalled or ran past the job time limit."""

    code = "TRANSCODE_TIMEOUT"


class OutputCheckFailed(TranscodeError):
    """An encode finished but its output is not what was asked (too short, a stream missing).

    It carries the encoder's warnings, which often say why (a truncated or damaged source)."""

    code = "OUTPUT_CHECK_FAILED"

    def __init__(self, message: str, warnings: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.warnings = warnings


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


class Unauthenticated(DomainError):
    """The caller proved no identity (or one that is no longer valid); sign in or send a token."""

    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "authentication required: sign in or send a token") -> None:
        super().__init__(message)


class Forbidden(DomainError):
    """The caller is known but its role does not allow the action."""

    code = "FORBIDDEN"
