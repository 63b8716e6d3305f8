"""Upload: a file arriving in pieces (tus), staged until its last byte, then registered."""

from __future__ import annotations

import enum
import math
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from mpr.domain.errors import Conflict, NotFound, ValidationError
from mpr.domain.keys import safe_filename
from mpr.domain.media import extension_of, is_media_filename

UPLOAD_PREFIX = "uploads"  # input-store folder that uploaded files land in
MAX_PRESETS = 8
_UNSAFE_KEY_CHARS = re.compile(r"[^\w.-]+")
_MAX_STEM_CHARS = 80


class UploadTooLarge(ValidationError):
    """The upload (or one request's body) is larger than allowed or than declared."""

    code = "UPLOAD_TOO_LARGE"


class OffsetMismatch(Conflict):
    """A PATCH did not start where the upload stands (or another request is writing it)."""

    code = "OFFSET_MISMATCH"


class ChecksumMismatch(ValidationError):
    """A chunk's bytes do not match the checksum the client sent with them."""

    code = "CHECKSUM_MISMATCH"


class UploadGone(NotFound):
    """The upload expired or was cancelled: its bytes are removed."""

    code = "UPLOAD_GONE"


class NotMedia(ValidationError):
    """The uploaded file is not audio or video MPR can read; it was removed."""

    code = "NOT_MEDIA"


class UploadState(enum.StrEnum):
    RECEIVING = "receiving"
    DONE = "done"  # registered: its asset (and jobs) exist; the record stays until expiry


@dataclass(frozen=True, slots=True)
class UploadOptions:
    """What the client asked for in Upload-Metadata: the name, and jobs to start."""

    filename: str
    presets: tuple[str, ...] = ()
    trim_start: float | None = None
    trim_end: float | None = None


@dataclass(slots=True)
class Upload:
    """One upload's progress; its bytes live in the staging area under its id."""

    id: uuid.UUID
    length: int
    options: UploadOptions
    created_by: str | None
    created_at: datetime
    expires_at: datetime
    offset: int = 0
    state: UploadState = UploadState.RECEIVING
    asset_id: uuid.UUID | None = None
    job_ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.offset == self.length

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def check_patch(self, offset: int, body_length: int | None) -> None:
        """Refuse a PATCH that does not continue at the current offset or overruns the length."""
        if self.state is not UploadState.RECEIVING:
            raise OffsetMismatch(f"upload {self.id} is complete; it takes no more bytes")
        if offset != self.offset:
            raise OffsetMismatch(f"Upload-Offset {offset} does not match the upload's offset "
                                 f"{self.offset}: ask with HEAD and continue from there")
        if body_length is not None and body_length > self.length - self.offset:
            raise UploadTooLarge(f"the body ({body_length} bytes) goes past the declared "
                                 f"Upload-Length {self.length} (offset {self.offset})")


def check_options(options: UploadOptions) -> UploadOptions:
    """Options as the client named them, refused when the name is unsafe or not media."""
    name = unicodedata.normalize("NFC", options.filename.strip())
    try:
        name = safe_filename(name)
    except ValidationError as e:
        raise ValidationError(str(e).replace("output filename", "upload filename")) from None
    if not is_media_filename(name):
        raise ValidationError(f"upload filename {name!r} has no audio or video extension")
    if len(options.presets) > MAX_PRESETS:
        raise ValidationError(f"an upload may start at most {MAX_PRESETS} jobs")
    _check_trim(options.trim_start, options.trim_end)
    return UploadOptions(name, options.presets, options.trim_start, options.trim_end)


def _check_trim(start: float | None, end: float | None) -> None:
    for label, value in (("trimStart", start), ("trimEnd", end)):
        if value is not None and (not math.isfinite(value) or value < 0):
            raise ValidationError(f"{label} must be a non-negative number of seconds")
    if start is not None and end is not None and start >= end:
        raise ValidationError(f"trimStart {start} must be before trimEnd {end}")


def upload_key(filename: str, upload_id: uuid.UUID, attempt: int) -> str:
    """The input-store key for an upload: the name made safe, then with the upload's id."""
    ext = extension_of(filename)
    stem = filename[: -(len(ext) + 1)] if ext else filename
    stem = _UNSAFE_KEY_CHARS.sub("_", stem).strip("._") or "upload"
    stem = stem[:_MAX_STEM_CHARS]
    suffix = "" if attempt == 0 else f"-{upload_id.hex[:8 * attempt]}"
    return f"{UPLOAD_PREFIX}/{stem}{suffix}.{ext}"


class StagingFull(ValidationError):
    """The staging disk has no room for the upload (or filled up while it arrived)."""

    code = "INSUFFICIENT_STORAGE"
