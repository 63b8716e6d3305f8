"""API tokens: random secrets shown once, stored as SHA-256, named, with a role and expiry.

A fast hash is enough here: a token carries 256 random bits, so nobody can guess it from
its hash, and a plain digest lets each request find its token by an indexed lookup."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from mpr.application.token_cache import TokenCache
from mpr.domain.errors import Conflict, NotFound, ValidationError
from mpr.domain.identity import ApiToken, Role, check_name
from mpr.domain.ports import AccessUnitOfWorkFactory, Clock

PREFIX = "mpr_"
_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_duration(text: str) -> timedelta:
    """'30d', '12h', '90m', '2w', '45s' as a timedelta."""
    match = _DURATION.match(text.strip().lower())
    if match is None or int(match[1]) == 0:
        raise ValidationError(f"{text!r} is not a duration like 30d, 12h or 90m")
    return timedelta(seconds=int(match[1]) * _UNITS[match[2]])


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token and its secret, which is never available again."""

    token: ApiToken
    secret: str


class Tokens:
    def __init__(self, uow: AccessUnitOfWorkFactory, clock: Clock,
                 cache: TokenCache | None = None) -> None:
        self._uow, self._clock = uow, clock
        self._cache = cache  # the authenticator's: a revoked token is forgotten at once

    async def create(self, name: str, role: Role, expires_in: timedelta | None = None,
                     created_by: str | None = None) -> IssuedToken:
        """A new token; Conflict when the name is taken."""
        check_name("token", name)
        secret = PREFIX + secrets.token_urlsafe(32)
        now = self._clock.now()
        token = ApiToken(uuid.uuid4(), name, hash_secret(secret), role, now,
                         expires_at=now + expires_in if expires_in else None,
                         created_by=created_by)
        async with self._uow() as uow:
            if await uow.tokens.by_name(name) is not None:
                raise Conflict(f"token {name} already exists")
            await uow.tokens.add(token)
            await uow.commit()
        return IssuedToken(token, secret)

    async def revoke(self, name: str) -> ApiToken:
        """Delete the token: its next request is refused."""
        async with self._uow() as uow:
            token = await uow.tokens.by_name(name)
            if token is None:
                raise NotFound("token", name)
            await uow.tokens.delete(token.id)
            await uow.commit()
        if self._cache is not None:
            self._cache.drop(token.token_hash)
        return token

    async def list(self) -> Sequence[ApiToken]:
        async with self._uow() as uow:
            return await uow.tokens.list()
