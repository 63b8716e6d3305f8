"""Tokens this process verified a moment ago, so a request does not pay a database lookup.

An entry lives `ttl` (default 2 s) and is dropped at once when this process revokes the
token; a revoke made by another process (the CLI, a second API server) is seen here within
`ttl`. Only tokens that were found valid are kept, so unknown tokens cannot fill it, and
expiry is checked on every use against the token's own expiry time."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from mpr.application.authorization import Principal

DEFAULT_TTL = timedelta(seconds=2)
DEFAULT_SIZE = 1024


@dataclass(frozen=True, slots=True)
class _Entry:
    principal: Principal
    expires_at: datetime | None  # the token's expiry
    fresh_until: datetime  # when this process must ask the database again


class TokenCache:
    def __init__(self, ttl: timedelta = DEFAULT_TTL, size: int = DEFAULT_SIZE) -> None:
        self._ttl, self._size = ttl, size
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def get(self, token_hash: str, now: datetime) -> Principal | None:
        """The principal of a token verified less than `ttl` ago and not expired since."""
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if now >= entry.fresh_until or (entry.expires_at is not None
                                        and now >= entry.expires_at):
            del self._entries[token_hash]
            return None
        return entry.principal

    def put(self, token_hash: str, principal: Principal, expires_at: datetime | None,
            now: datetime) -> None:
        self._entries[token_hash] = _Entry(principal, expires_at, now + self._ttl)
        self._entries.move_to_end(token_hash)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def drop(self, token_hash: str) -> None:
        """Forget a token at once (this process revoked it)."""
        self._entries.pop(token_hash, None)
