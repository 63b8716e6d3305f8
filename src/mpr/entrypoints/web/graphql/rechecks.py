"""Open subscriptions re-check their credential; those holding the same one share the check.

Fifty subscriptions of one dashboard's token cost one authentication per FRESH seconds
instead of fifty per RECHECK_SECONDS; a revoked credential is still refused within
RECHECK_SECONDS + FRESH."""

from __future__ import annotations

import asyncio
import time

from mpr.application.access import Access
from mpr.entrypoints.web.auth import Caller, Credential, authenticate

FRESH = 1.0  # seconds a re-check's answer serves the other subscriptions of its credential


class SharedRechecks:
    """The latest authentication of each credential, reused while younger than FRESH."""

    def __init__(self, fresh: float = FRESH) -> None:
        self._fresh = fresh
        self._latest: dict[tuple[int, Credential | None],
                           tuple[Access, float, asyncio.Future[Caller]]] = {}

    async def caller(self, access: Access, credential: Credential | None) -> Caller:
        """The caller the credential proves now, or at most `fresh` seconds ago."""
        now, key = time.monotonic(), (id(access), credential)
        held = self._latest.get(key)
        if held is None or held[0] is not access or now - held[1] >= self._fresh:
            self._forget_older_than(now - self._fresh)
            held = self._latest[key] = (access, now,
                                        asyncio.ensure_future(authenticate(access, credential)))
        return await asyncio.shield(held[2])

    def _forget_older_than(self, when: float) -> None:
        for key in [k for k, (_, at, done) in self._latest.items() if at < when and done.done()]:
            del self._latest[key]


RECHECKS = SharedRechecks()  # per process: every app of the process shares it
