"""The tus 1.0.0 wire format: header values parsed and refused with clear errors, and the
status each MPR error answers with."""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import datetime
from email.utils import format_datetime

from mpr.domain.errors import (
    Forbidden,
    InfrastructureError,
    MprError,
    NotFound,
    Unauthenticated,
    ValidationError,
)
from mpr.domain.upload import (
    ChecksumMismatch,
    NotMedia,
    OffsetMismatch,
    StagingFull,
    UploadGone,
    UploadOptions,
    UploadTooLarge,
)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration,checksum"
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "md5")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
MAX_METADATA_BYTES = 4096
MAX_METADATA_PAIRS = 32
_DIGITS = re.compile(r"^[0-9]{1,19}$")
_KEY = re.compile(r"^[\x21-\x2b\x2d-\x7e]{1,64}$")  # printable ASCII without space or comma
_DIGEST_BYTES = {"sha1": 20, "sha256": 32, "md5": 16}


def parse_size(value: str | None, header: str) -> int:
    """A non-negative byte count of a header; ValidationError naming it otherwise."""
    if value is None:
        raise ValidationError(f"{header} is required")
    if not _DIGITS.match(value.strip()):
        raise ValidationError(f"{header} must be a non-negative whole number of bytes "
                              f"(got {value[:40]!r})")
    return int(value.strip())


def parse_metadata(header: str | None) -> dict[str, str]:
    """Upload-Metadata: comma-separated `key base64value` pairs, bounded, keys unique."""
    if not header:
        return {}
    if len(header) > MAX_METADATA_BYTES:
        raise ValidationError(f"Upload-Metadata is larger than {MAX_METADATA_BYTES} bytes")
    pairs = header.split(",")
    if len(pairs) > MAX_METADATA_PAIRS:
        raise ValidationError(f"Upload-Metadata has more than {MAX_METADATA_PAIRS} pairs")
    metadata: dict[str, str] = {}
    for pair in pairs:
        key, _, encoded = pair.strip().partition(" ")
        if not _KEY.match(key):
            raise ValidationError(f"Upload-Metadata key {key[:40]!r} must be 1-64 printable "
                                  "ASCII characters without spaces or commas")
        if key in metadata:
            raise ValidationError(f"Upload-Metadata names {key!r} twice")
        metadata[key] = _decode(key, encoded.strip())
    return metadata


def _decode(key: str, encoded: str) -> str:
    try:
        return base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise ValidationError(f"Upload-Metadata value of {key!r} is not base64 of UTF-8 "
                              "text") from None


def options_of(metadata: dict[str, str]) -> UploadOptions:
    """What MPR reads from the metadata: filename (or Uppy's name), presets, a trim."""
    filename = metadata.get("filename") or metadata.get("name")
    if not filename:
        raise ValidationError("Upload-Metadata must carry the file's name as 'filename'")
    named = metadata.get("presets") or metadata.get("preset") or ""
    presets = tuple(dict.fromkeys(p.strip() for p in named.split(",") if p.strip()))
    return UploadOptions(filename, presets, _seconds(metadata, "trimStart"),
                         _seconds(metadata, "trimEnd"))


def _seconds(metadata: dict[str, str], key: str) -> float | None:
    text = metadata.get(key, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(f"{key} must be a number of seconds (got {text[:40]!r})") from None
    if not math.isfinite(value):
        raise ValidationError(f"{key} must be a finite number of seconds")
    return value


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    """Upload-Checksum: `<algorithm> <base64 digest>`."""
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise ValidationError(f"Upload-Checksum algorithm {algorithm[:20]!r} is not one of "
                              f"{', '.join(CHECKSUM_ALGORITHMS)}")
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("Upload-Checksum digest is not base64") from None
    if len(digest) != _DIGEST_BYTES[algorithm]:
        raise ValidationError(f"Upload-Checksum digest has the wrong length for {algorithm}")
    return algorithm, digest


def http_date(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


def status_of(error: MprError) -> int:
    """The HTTP status a tus client gets for an error (460: checksum mismatch, per tus)."""
    table: tuple[tuple[type[MprError], int], ...] = (
        (Unauthenticated, 401), (Forbidden, 403), (UploadGone, 410), (NotFound, 404),
        (UploadTooLarge, 413), (ChecksumMismatch, 460), (NotMedia, 422),
        (StagingFull, 507), (OffsetMismatch, 409), (ValidationError, 400),
        (InfrastructureError, 503))
    return next((status for kind, status in table if isinstance(error, kind)), 409)
