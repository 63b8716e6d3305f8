"""Parsing identifiers that arrive as text from the outside."""

from __future__ import annotations

import uuid

from mpr.domain.errors import ValidationError


def parse_id(value: str | uuid.UUID, kind: str) -> uuid.UUID:
    """A UUID from text, or ValidationError naming what was expected."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise ValidationError(f"{value!r} is not a valid {kind} id") from None
