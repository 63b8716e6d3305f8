"""MediaAsset: one audio or video file in the input or output store."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from mpr.domain.errors import ValidationError
from mpr.domain.media import MediaInfo

MAX_TAGS = 50
MAX_TAG_LENGTH = 64
MAX_COMMENTS_LENGTH = 10_000


class AssetStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    ERROR = "error"


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

    @classmethod
    def register(
        cls, file_path: str, location: Location, now: datetime, file_size: int | None = None
    ) -> MediaAsset:
        """A new asset for a store key, pending its probe."""
        return cls(
            id=uuid.uuid4(),
            filename=file_path.rsplit("/", 1)[-1],
            file_path=file_path,
            location=location,
            created_at=now,
            updated_at=now,
            file_size=file_size,
        )

    def mark_ready(self, media: MediaInfo, now: datetime) -> None:
        """Record a successful probe."""
        self.media = media
        self.status = AssetStatus.READY
        self.error_message = None
        self.updated_at = now

    def mark_error(self, message: str, now: datetime) -> None:
        """Record that the file could not be read as media."""
        self.status = AssetStatus.ERROR
        self.error_message = message
        self.updated_at = now

    def annotate(self, now: datetime, comments: str | None = None,
                 tags: list[str] | None = None) -> None:
        """Change the human annotations: comments and tags."""
        if comments is not None:
            if len(comments) > MAX_COMMENTS_LENGTH:
                raise ValidationError(f"comments are limited to {MAX_COMMENTS_LENGTH} characters")
            self.comments = comments
        if tags is not None:
            self.tags = normalise_tags(tags)
        self.updated_at = now

    @property
    def is_ready(self) -> bool:
        return self.status is AssetStatus.READY

    def copy(self) -> MediaAsset:
        """An independent copy (used by in-memory stores)."""
        return replace(self, tags=list(self.tags))


def normalise_tags(tags: list[str]) -> list[str]:
    """Strip, de-duplicate and check tags, keeping their order."""
    cleaned: list[str] = []
    for tag in (t.strip() for t in tags):
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(f"tag {tag[:20]!r}... is longer than {MAX_TAG_LENGTH} characters")
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError(f"at most {MAX_TAGS} tags per asset")
    return cleaned
