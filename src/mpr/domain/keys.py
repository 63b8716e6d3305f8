"""Storage keys: relative, '/'-separated paths that can never escape their store."""

from __future__ import annotations

import re
import unicodedata

from mpr.domain.errors import ValidationError

MAX_KEY_LENGTH = 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FILENAME_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")


def normalise_key(key: str) -> str:
    """The canonical form of a key, or ValidationError if it could escape its store."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError(f"storage key must be 1-{MAX_KEY_LENGTH} characters")
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
    if not cleaned or len(cleaned) > 255:
        raise ValidationError("output filename must be 1-255 characters")
    if _FILENAME_UNSAFE.search(cleaned) or cleaned in (".", "..") or cleaned.startswith("."):
        raise ValidationError(
            f"output filename {name!r} must be a plain file name (no '/', '\\', leading '.')"
        )
    return cleaned
