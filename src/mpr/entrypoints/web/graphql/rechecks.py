"""Open subscriptions re-check their credential; those holding the same one share the check.

Fifty subscriptions of one dashboard's token share one re-check loop (CredentialWatches),
and the answers of loops of one credential are shared for FRESH seconds (SharedRechecks);
a revoked credential is still refused within RECHECK_SECONDS + FRESH."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from mpr.application.access import Access
from mpr.application.authorization import Permission
from mpr.entrypoints.web.auth import Caller, Credential, authenticate, require

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


RECHECK_SECONDS = 2.0  # how soon an open subscription notices a revoked or expired credential
Refused = Callable[[Exception], None]


@dataclass(eq=False)
class _Watch:
    refused: dict[object, Refused] = field(default_factory=dict)  # per subscription
    task: asyncio.Task[None] | None = None


class CredentialWatches:
    """One re-check loop per (credential, permission), whatever the number of subscriptions
    holding it: every `every` seconds it authenticates the credential again and, once it is
    refused, tells every subscription holding it (then stops)."""

    def __init__(self, every: float = RECHECK_SECONDS, rechecks: SharedRechecks = RECHECKS
                 ) -> None:
        self._every, self._rechecks = every, rechecks
        self._watches: dict[tuple[int, Credential | None, Permission], _Watch] = {}

    @property
    def watched(self) -> int:
        """How many (credential, permission) pairs are being re-checked now."""
        return len(self._watches)

    @contextlib.contextmanager
    def watching(self, access: Access, credential: Credential | None, permission: Permission,
                 refused: Refused) -> Iterator[None]:
        """Call `refused(error)` once if the credential stops being allowed `permission`."""
        key = (id(access), credential, permission)
        watch = self._watches.get(key)
        if watch is None:
            watch = self._watches[key] = _Watch()
            watch.task = asyncio.create_task(self._recheck(key, watch, access, permission),
                                             name="mpr-credential-recheck")
        holder = object()  # equal callbacks of two subscriptions stay two
        watch.refused[holder] = refused
        try:
            yield
        finally:
            del watch.refused[holder]
            if not watch.refused and watch.task is not None:
                watch.task.cancel()
                if self._watches.get(key) is watch:
                    del self._watches[key]

    async def _recheck(self, key: tuple[int, Credential | None, Permission], watch: _Watch,
                       access: Access, permission: Permission) -> None:
        try:
            while True:
                await asyncio.sleep(self._every)
                caller = await self._rechecks.caller(access, key[1])
                require(access, caller, permission)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the refusal (or what stopped the check) ends them all
            if self._watches.get(key) is watch:
                del self._watches[key]
            for refused in list(watch.refused.values()):
                refused(e)


WATCHES = CredentialWatches()  # per process, like RECHECKS
