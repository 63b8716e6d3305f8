"""Domain events: what happened to a job or an asset, recorded by the entity on each transition.

Entities append them to their `events` list; the unit of work hands them to the message bus
after a successful commit. Each is small and flat so that it crosses processes as JSON
(mpr.domain.event_codec); a subscriber that needs the whole state reads it from the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # the entities import this module
    from mpr.domain.asset import AssetStatus, Location
    from mpr.domain.job import JobStatus

MAX_EVENT_TEXT = 1000  # characters of a message an event carries (the job keeps it whole)


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """Something that happened, at `at` (the entity's updated_at)."""

    kind: ClassVar[str] = "event"
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class JobEvent(DomainEvent):
    """A job changed; `status` is its status after the change."""

    job_id: uuid.UUID
    status: JobStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class JobCreated(JobEvent):
    kind: ClassVar[str] = "job.created"
    source_asset_id: uuid.UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class JobStarted(JobEvent):
    kind: ClassVar[str] = "job.started"
    attempt: int
    worker_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class JobProgressed(JobEvent):
    kind: ClassVar[str] = "job.progress"
    progress: float
    current_time: float | None
    speed: float | None
    eta: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class JobCompleted(JobEvent):
    kind: ClassVar[str] = "job.completed"
    output_asset_id: uuid.UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class JobFailed(JobEvent):
    kind: ClassVar[str] = "job.failed"
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class JobCancelled(JobEvent):
    kind: ClassVar[str] = "job.cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRequeued(JobEvent):
    """Back to pending: its worker was lost or handed it back, or a person retried it."""

    kind: ClassVar[str] = "job.requeued"
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetEvent(DomainEvent):
    """An asset changed; `status` is its status after the change."""

    asset_id: uuid.UUID
    location: Location
    status: AssetStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetRegistered(AssetEvent):
    kind: ClassVar[str] = "asset.registered"
    file_path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetUpdated(AssetEvent):
    """Probed (ready or error), annotated, or back in its store."""

    kind: ClassVar[str] = "asset.updated"


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetMissing(AssetEvent):
    kind: ClassVar[str] = "asset.missing"


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetDeleted(AssetEvent):
    kind: ClassVar[str] = "asset.deleted"
    file_path: str
