"""Domain events as small JSON objects, to cross from one process to another."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from mpr.domain.asset import AssetStatus, Location
from mpr.domain.events import (
    AssetDeleted,
    AssetMissing,
    AssetRegistered,
    AssetUpdated,
    DomainEvent,
    JobCancelled,
    JobCompleted,
    JobCreated,
    JobFailed,
    JobProgressed,
    JobRequeued,
    JobStarted,
)
from mpr.domain.job import JobStatus

EVENT_TYPES: dict[str, type[DomainEvent]] = {t.kind: t for t in (
    JobCreated, JobStarted, JobProgressed, JobCompleted, JobFailed, JobCancelled, JobRequeued,
    AssetRegistered, AssetUpdated, AssetMissing, AssetDeleted)}
# how a JSON value becomes a field value, by the field's annotation (absent: taken as is)
_DECODERS: dict[str, Any] = {
    "uuid.UUID": uuid.UUID, "datetime": datetime.fromisoformat, "JobStatus": JobStatus,
    "AssetStatus": AssetStatus, "Location": Location,
}


def encode(event: DomainEvent) -> str:
    """The event as a small JSON object with its `kind`."""
    values = asdict(event)
    return json.dumps({"kind": event.kind, **values}, default=str, separators=(",", ":"))


def decode(text: str | bytes) -> DomainEvent:
    """The event an `encode` made; ValueError when it is not one."""
    try:
        values = json.loads(text)
        cls = EVENT_TYPES[values.pop("kind")]
        return cls(**{f.name: _field(str(f.type), values[f.name]) for f in fields(cls)})
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise ValueError(f"not an MPR event: {e}") from e


def _field(annotation: str, value: Any) -> Any:
    decoder = _DECODERS.get(annotation.removesuffix(" | None"))
    return value if value is None or decoder is None else decoder(value)
