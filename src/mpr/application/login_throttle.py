"""Login throttling per account and per client address: growing delays, then a lockout."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mpr.domain.errors import Unauthenticated
from mpr.domain.ports import Clock

log = logging.getLogger(__name__)
GENERIC_REFUSAL = "invalid username or password"
_PRUNE_ABOVE = 10_000


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """After `free` failures each attempt waits base * 2^k s (at most max_delay); after
    `max_failures` the key is locked for `lockout` seconds, then starts afresh."""

    max_failures: int = 10
    lockout: float = 900.0
    free: int = 2
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, failures: int) -> float:
        if failures <= self.free:
            return 0.0
        return float(min(self.base_delay * 2.0 ** (failures - self.free - 1), self.max_delay))


@dataclass(slots=True)
class _Record:
    failures: int = 0
    blocked_until: float = 0.0
    locked: bool = False


class LoginThrottle:
    """Remembers failures per key ('account:alice', 'client:10.0.0.7') in this process."""

    def __init__(self, clock: Clock, policy: ThrottlePolicy | None = None) -> None:
        self._clock = clock
        self.policy = policy or ThrottlePolicy()
        self._records: dict[str, _Record] = {}

    def check(self, keys: tuple[str, ...]) -> None:
        """Refuse (with the one generic message) while any key waits or is locked."""
        now = self._clock.monotonic()
        blocked = tuple(key for key in keys if self._blocked(key, now))
        if blocked:  # counts against what blocked it: a locked account does not lock you
            self.failed(blocked)
            raise Unauthenticated(GENERIC_REFUSAL)

    def failed(self, keys: tuple[str, ...]) -> None:
        """Count a failed (or refused) attempt against every key."""
        now = self._clock.monotonic()
        for key in keys:
            record = self._records.setdefault(key, _Record())
            if record.locked:
                continue  # an attempt during a lockout does not make it longer
            record.failures += 1
            if record.failures >= self.policy.max_failures:
                record.locked, record.blocked_until = True, now + self.policy.lockout
                log.warning("login locked for %.0f s after %d failures: %s",
                            self.policy.lockout, record.failures, key)
            else:
                record.blocked_until = now + self.policy.delay(record.failures)
        if len(self._records) > _PRUNE_ABOVE:
            self._prune(now)

    def succeeded(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            self._records.pop(key, None)

    def _blocked(self, key: str, now: float) -> bool:
        record = self._records.get(key)
        if record is None or now >= record.blocked_until:
            if record is not None and record.locked:
                del self._records[key]  # the lockout is over: start afresh
            return False
        return True

    def _prune(self, now: float) -> None:
        stale = [k for k, r in self._records.items()
                 if now >= r.blocked_until + self.policy.lockout]
        for key in stale:
            del self._records[key]
