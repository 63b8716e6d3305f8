"""Who may act on MPR: users, API tokens, sessions and the roles they carry."""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from mpr.domain.errors import ValidationError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD_LENGTH = 8


class Role(enum.StrEnum):
    """Roles, weakest first; each includes what the ones before it may do."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ValidationError(f"unknown role {value!r}; roles are {names}") from None


def check_name(kind: str, name: str) -> str:
    """A user or token name: 1-64 letters, digits and . _ @ -, starting with a letter or digit."""
    if not _NAME.match(name):
        raise ValidationError(f"{kind} name must be 1-64 letters, digits or . _ @ - "
                              f"(starting with a letter or digit)")
    return name


def check_password(password: str) -> str:
    """A password long enough to be worth hashing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


@dataclass(slots=True)
class User:
    """A person who signs in with a password; password_hash is an argon2id string."""

    id: uuid.UUID
    username: str
    password_hash: str
    role: Role
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class ApiToken:
    """A named bearer token; only the SHA-256 of its secret is stored."""

    id: uuid.UUID
    name: str
    token_hash: str
    role: Role
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    created_by: str | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass(slots=True)
class Session:
    """A signed-in browser: the id in its cookie is random; only its SHA-256 is stored."""

    id_hash: str
    user_id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime

    def expired(self, now: datetime, idle: timedelta, absolute: timedelta) -> bool:
        return now - self.last_seen_at >= idle or now - self.created_at >= absolute


@dataclass(frozen=True, slots=True)
class Deletion:
    """Who removed an asset or a preset, and when; the entity itself is gone."""

    id: uuid.UUID
    kind: str  # "asset" or "preset"
    entity_id: uuid.UUID
    name: str
    deleted_by: str
    deleted_at: datetime
