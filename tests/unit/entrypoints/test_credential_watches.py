"""Every open subscription of a credential shares one re-check loop; a refusal ends them all,
and still_allowed reads its updates with one task for the whole subscription."""

import asyncio
from collections.abc import AsyncGenerator
from types import SimpleNamespace

import pytest

from mpr.application.authorization import Permission, Policy, Principal, PrincipalKind, Role
from mpr.domain.errors import Unauthenticated
from mpr.entrypoints.web.auth import Credential
from mpr.entrypoints.web.graphql import permissions
from mpr.entrypoints.web.graphql.rechecks import CredentialWatches, SharedRechecks

EVERY = 0.01


class Authenticator:
    def __init__(self) -> None:
        self.checks, self.revoked = 0, set()

    async def token(self, secret: str) -> Principal:
        self.checks += 1
        if secret in self.revoked:
            raise Unauthenticated("invalid, revoked or expired token")
        return Principal(PrincipalKind.TOKEN, secret, Role.VIEWER)


def make_access() -> SimpleNamespace:
    return SimpleNamespace(authenticator=Authenticator(), policy=Policy())


def make_watches() -> CredentialWatches:
    return CredentialWatches(every=EVERY, rechecks=SharedRechecks(fresh=0))


async def test_fifty_subscriptions_of_one_token_run_one_recheck_loop():
    access, watches, token = make_access(), make_watches(), Credential("token", "dashboard")
    refusals: list[Exception] = []

    with contextlib_stack(watches, access, token, 50, refusals.append):
        watched = watches.watched
        await asyncio.sleep(EVERY * 10)
        checks = access.authenticator.checks

    assert watched == 1
    assert 1 <= checks <= 12  # one per period, not fifty
    assert refusals == []
    assert watches.watched == 0


async def test_a_revoked_token_refuses_each_of_its_subscriptions_once_and_no_other():
    access, watches = make_access(), make_watches()
    gone, kept = Credential("token", "gone"), Credential("token", "kept")
    refused_gone: list[Exception] = []
    refused_kept: list[Exception] = []

    with contextlib_stack(watches, access, gone, 3, refused_gone.append), \
            contextlib_stack(watches, access, kept, 2, refused_kept.append):
        access.authenticator.revoked.add("gone")
        await asyncio.sleep(EVERY * 10)

    assert len(refused_gone) == 3
    assert all(isinstance(e, Unauthenticated) for e in refused_gone)
    assert refused_kept == []


async def test_a_viewer_token_watched_for_a_permission_it_lacks_is_refused_as_forbidden():
    access, watches, token = make_access(), make_watches(), Credential("token", "viewer")
    refusals: list[Exception] = []

    with watches.watching(access, token, Permission.MANAGE_USERS, refusals.append):
        await asyncio.sleep(EVERY * 5)

    assert [getattr(e, "code", None) for e in refusals] == ["FORBIDDEN"]


class contextlib_stack:
    """`count` subscriptions of one credential, each with its own refusal callback."""

    def __init__(self, watches, access, credential, count, refused) -> None:
        self._managers = [watches.watching(access, credential, Permission.READ, refused)
                          for _ in range(count)]

    def __enter__(self) -> None:
        for manager in self._managers:
            manager.__enter__()

    def __exit__(self, *exc: object) -> None:
        for manager in self._managers:
            manager.__exit__(None, None, None)


# -- still_allowed --

def info_for(access: SimpleNamespace, secret: str) -> SimpleNamespace:
    context = SimpleNamespace(services=SimpleNamespace(access=access),
                              credential=Credential("token", secret))
    return SimpleNamespace(context=context)


class Updates:
    """An endless source of numbered updates, pushed by the test."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self.closed = False

    async def __call__(self) -> AsyncGenerator[int, None]:
        try:
            while True:
                yield await self.queue.get()
        finally:
            self.closed = True


@pytest.fixture
def fast_watches(monkeypatch: pytest.MonkeyPatch) -> CredentialWatches:
    watches = make_watches()
    monkeypatch.setattr(permissions, "WATCHES", watches)
    return watches


async def test_still_allowed_passes_updates_on_with_no_task_per_update(fast_watches):
    access, updates = make_access(), Updates()
    stream = permissions.still_allowed(info_for(access, "t"), Permission.READ, updates())
    for n in range(3):
        updates.queue.put_nowait(n)
    got = [await anext(stream) for _ in range(3)]
    tasks_before = len(asyncio.all_tasks())

    for n in range(3, 100):
        updates.queue.put_nowait(n)
        got.append(await anext(stream))
    tasks_after = len(asyncio.all_tasks())
    await stream.aclose()

    assert got == list(range(100))
    assert tasks_after == tasks_before


async def test_closing_a_waiting_subscription_closes_its_source_and_its_recheck(fast_watches):
    access, updates = make_access(), Updates()
    stream = permissions.still_allowed(info_for(access, "t"), Permission.READ, updates())
    updates.queue.put_nowait(1)
    await anext(stream)
    waiting = asyncio.create_task(anext(stream))
    await asyncio.sleep(EVERY)

    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await stream.aclose()
    await asyncio.sleep(0)

    assert updates.closed
    assert fast_watches.watched == 0


async def test_still_allowed_ends_a_revoked_tokens_subscription_with_unauthenticated(
        fast_watches):
    access, updates = make_access(), Updates()
    stream = permissions.still_allowed(info_for(access, "gone"), Permission.READ, updates())
    updates.queue.put_nowait(1)
    first = await anext(stream)

    access.authenticator.revoked.add("gone")
    with pytest.raises(Unauthenticated):
        await asyncio.wait_for(anext(stream), 1)
    await asyncio.sleep(0)

    assert first == 1
    assert updates.closed
