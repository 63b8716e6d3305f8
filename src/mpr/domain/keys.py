"""Storage keys: relative, '/'-separated paths that can never escape their store."""

from __future__ import annotations

import re
import unicodedata

from mpr.domain.errors import ValidationError
from mpr.domain.text import check_name, utf8_size

MAX_KEY_BYTES = 1024  # S3's limit, in UTF-8 bytes
# A name a person gives an output, extension included: a path component takes 255 bytes on
# common filesystems; the rest is room for suffixes MPR adds to a package's objects.
MAX_FILENAME_BYTES = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FILENAME_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")


def normalise_key(key: str) -> str:
    """The canonical form of a key, or ValidationError if it could escape its store."""
    if not key or utf8_size(key) > MAX_KEY_BYTES:
        raise ValidationError(f"storage key must be 1-{MAX_KEY_BYTES} bytes in UTF-8")
    if _CONTROL.search(key) or "\\" in key:
        raise ValidationError(f"storage key {key!r} contains control characters or backslashes")
    if key.startswith("/"):
        raise ValidationError(f"storage key {key!r} must be relative")
    parts = [p for p in key.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise ValidationError(f"storage key {key!r} must not contain '..' or be empty")
    return "/".join(parts)


def safe_filename(name: str) -> str:
    """A single path component chosen by a person: no separators, no dot-only names."""
    cleaned = unicodedata.normalize("NFC", name.strip())
    if not cleaned:
        raise ValidationError("output filename must not be empty")
    check_name(cleaned, "output filename", MAX_FILENAME_BYTES)
    if _FILENAME_UNSAFE.search(cleaned) or cleaned in (".", "..") or cleaned.startswith("."):
        raise ValidationError(
            f"output filename {name!r} must be a plain file name (no '/', '\\', leading '.')"
        )
    return cleaned
