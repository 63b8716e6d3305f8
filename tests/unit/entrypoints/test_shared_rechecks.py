"""Subscriptions holding one credential share its re-check; a revocation is still seen."""

import asyncio
from types import SimpleNamespace

from mpr.application.authorization import Principal, PrincipalKind, Role
from mpr.domain.errors import Unauthenticated
from mpr.entrypoints.web.auth import Credential
from mpr.entrypoints.web.graphql.rechecks import SharedRechecks


class CountingAuthenticator:
    def __init__(self) -> None:
        self.checks, self.revoked = 0, set()

    async def token(self, secret: str) -> Principal:
        self.checks += 1
        await asyncio.sleep(0.01)
        if secret in self.revoked:
            raise Unauthenticated("invalid, revoked or expired token")
        return Principal(PrincipalKind.TOKEN, secret, Role.VIEWER)


def access_with(authenticator: CountingAuthenticator) -> SimpleNamespace:
    return SimpleNamespace(authenticator=authenticator)


async def test_fifty_subscriptions_of_one_token_cost_one_check():
    authenticator, rechecks = CountingAuthenticator(), SharedRechecks(fresh=10)
    access, token = access_with(authenticator), Credential("token", "dashboard")

    callers = await asyncio.gather(*(rechecks.caller(access, token) for _ in range(50)))

    assert authenticator.checks == 1
    assert {c.principal.name for c in callers} == {"dashboard"}


async def test_other_credentials_are_checked_apart():
    authenticator, rechecks = CountingAuthenticator(), SharedRechecks(fresh=10)
    access = access_with(authenticator)

    a = await rechecks.caller(access, Credential("token", "a"))
    b = await rechecks.caller(access, Credential("token", "b"))

    assert (a.principal.name, b.principal.name, authenticator.checks) == ("a", "b", 2)


async def test_a_revocation_is_seen_once_the_shared_answer_is_older_than_fresh():
    authenticator, rechecks = CountingAuthenticator(), SharedRechecks(fresh=0.05)
    access, token = access_with(authenticator), Credential("token", "soon-gone")
    assert (await rechecks.caller(access, token)).refusal is None

    authenticator.revoked.add("soon-gone")
    still_fresh = await rechecks.caller(access, token)
    await asyncio.sleep(0.06)
    after = await rechecks.caller(access, token)

    assert still_fresh.refusal is None
    assert isinstance(after.refusal, Unauthenticated)
    assert authenticator.checks == 2
