"""MediaAsset: one audio or video file in the input or output store."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from mpr.domain.errors import ValidationError
from mpr.domain.events import (
    AssetDeleted,
    AssetEvent,
    AssetMissing,
    AssetRegistered,
    AssetUpdated,
    DomainEvent,
)
from mpr.domain.media import MediaInfo
from mpr.domain.package import package_prefix
from mpr.domain.text import check_free_text, check_name

MAX_TAGS = 50
MAX_TAG_LENGTH = 64
MAX_TAG_BYTES = 4 * MAX_TAG_LENGTH
MAX_COMMENTS_LENGTH = 10_000
MAX_ERROR_LENGTH = 2_000


class AssetStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    ERROR = "error"
    MISSING = "missing"  # was ready; its object left the store (ready again if it returns)


class Location(enum.StrEnum):
    INPUT = "input"
    OUTPUT = "output"


@dataclass(slots=True)
class MediaAsset:
    """A file known to MPR, with what the prober found in it."""

    id: uuid.UUID
    filename: str
    file_path: str
    location: Location
    created_at: datetime
    updated_at: datetime
    status: AssetStatus = AssetStatus.PENDING
    error_message: str | None = None
    file_size: int | None = None
    media: MediaInfo = field(default_factory=MediaInfo)
    comments: str = ""
    tags: list[str] = field(default_factory=list)
    # what happened to it since it was read, for the unit of work to publish after commit
    events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def register(
        cls, file_path: str, location: Location, now: datetime, file_size: int | None = None
    ) -> MediaAsset:
        """A new asset for a store key, pending its probe."""
        asset = cls(
            id=uuid.uuid4(),
            filename=file_path.rsplit("/", 1)[-1],
            file_path=file_path,
            location=location,
            created_at=now,
            updated_at=now,
            file_size=file_size,
        )
        asset._record(AssetRegistered, file_path=file_path)
        return asset

    @property
    def package_prefix(self) -> str | None:
        """An output's package: the prefix its key (the main object) heads; None for a
        source, which MPR never stores or removes."""
        return package_prefix(self.file_path) if self.location is Location.OUTPUT else None

    def mark_ready(self, media: MediaInfo, now: datetime) -> None:
        """Record a successful probe; its raw properties are kept within bounds."""
        self.media = media.bounded()
        self.status = AssetStatus.READY
        self.error_message = None
        self.updated_at = now
        self._record(AssetUpdated)

    def mark_error(self, message: str, now: datetime) -> None:
        """Record that the file could not be read as media (the reason cut to a sane length)."""
        self.status = AssetStatus.ERROR
        self.error_message = message[:MAX_ERROR_LENGTH]
        self.updated_at = now
        self._record(AssetUpdated)

    def mark_missing(self, now: datetime) -> None:
        """Its object is no longer in the store; only a ready asset goes missing."""
        if self.status is AssetStatus.READY:
            self.status = AssetStatus.MISSING
            self.updated_at = now
            self._record(AssetMissing)

    def mark_present(self, now: datetime) -> None:
        """Its object is back in the store: a missing asset is ready again."""
        if self.status is AssetStatus.MISSING:
            self.status = AssetStatus.READY
            self.updated_at = now
            self._record(AssetUpdated)

    def annotate(self, now: datetime, comments: str | None = None,
                 tags: list[str] | None = None) -> None:
        """Change the human annotations: comments and tags (all checked before any is set)."""
        if comments is not None:
            check_free_text(comments, "comments", MAX_COMMENTS_LENGTH)
        cleaned = normalise_tags(tags) if tags is not None else self.tags
        if comments is not None:
            self.comments = comments
        self.tags = cleaned
        self.updated_at = now
        self._record(AssetUpdated)

    def discard(self, now: datetime) -> None:
        """Its record is being deleted (the repository removes it)."""
        self.updated_at = now
        self._record(AssetDeleted, file_path=self.file_path)

    def _record(self, event: type[AssetEvent], **details: str) -> None:
        self.events.append(event(at=self.updated_at, asset_id=self.id, location=self.location,
                                 status=self.status, **details))

    @property
    def is_ready(self) -> bool:
        return self.status is AssetStatus.READY

    def copy(self) -> MediaAsset:
        """An independent copy (used by in-memory stores), without events to publish."""
        return replace(self, tags=list(self.tags), events=[])


def normalise_tags(tags: list[str]) -> list[str]:
    """Strip, de-duplicate and check tags, keeping their order."""
    cleaned: list[str] = []
    for tag in (t.strip() for t in tags):
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(f"tag {tag[:20]!r}... is longer than {MAX_TAG_LENGTH} characters")
        check_name(tag, f"tag {tag[:20]!r}", MAX_TAG_BYTES)
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError(f"at most {MAX_TAGS} tags per asset")
    return cleaned
