"""Roles, the policy, users, tokens, sessions and login throttling, on in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mpr.application.authentication import Authenticator, SessionTimeouts
from mpr.application.authorization import (
    ANONYMOUS,
    POLICY,
    ROLE_PERMISSIONS,
    Permission,
    Principal,
    PrincipalKind,
)
from mpr.application.first_start import NobodyCanSignIn, ensure_first_admin
from mpr.application.login_throttle import GENERIC_REFUSAL, LoginThrottle, ThrottlePolicy
from mpr.application.token_cache import TokenCache
from mpr.application.tokens import Tokens, hash_secret, parse_duration
from mpr.application.users import Users
from mpr.domain.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationError
from mpr.domain.identity import Role
from tests.unit.fakes import AccessTables, FakeAccessUnitOfWork, FakeHasher

PASSWORD = "a long enough password"


@pytest.fixture
def access_tables() -> AccessTables:
    return AccessTables()


@pytest.fixture
def access_uow(access_tables):
    return lambda: FakeAccessUnitOfWork(access_tables)


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def throttle(clock) -> LoginThrottle:
    return LoginThrottle(clock, ThrottlePolicy(max_failures=5, lockout=60, free=2,
                                               base_delay=1, max_delay=4))


@pytest.fixture
def users(access_uow, hasher, clock) -> Users:
    return Users(access_uow, hasher, clock)


@pytest.fixture
def token_cache() -> TokenCache:
    return TokenCache()


@pytest.fixture
def auth(access_uow, hasher, clock, throttle, token_cache) -> Authenticator:
    return Authenticator(access_uow, hasher, clock, throttle,
                         SessionTimeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=8)),
                         token_cache)


@pytest.fixture
def tokens(access_uow, clock, token_cache) -> Tokens:
    return Tokens(access_uow, clock, token_cache)


def principal(role: Role) -> Principal:
    return Principal(PrincipalKind.TOKEN, "t", role)


def test_each_role_holds_every_permission_of_the_weaker_ones() -> None:
    assert ROLE_PERMISSIONS[Role.VIEWER] < ROLE_PERMISSIONS[Role.OPERATOR]
    assert ROLE_PERMISSIONS[Role.OPERATOR] < ROLE_PERMISSIONS[Role.ADMIN]
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)


@pytest.mark.parametrize(("role", "permission", "allowed"), [
    (Role.VIEWER, Permission.READ, True), (Role.VIEWER, Permission.PLAY, True),
    (Role.VIEWER, Permission.CREATE_JOB, False), (Role.OPERATOR, Permission.CREATE_JOB, True),
    (Role.OPERATOR, Permission.SCAN, True), (Role.OPERATOR, Permission.DELETE_ASSETS, False),
    (Role.OPERATOR, Permission.MANAGE_USERS, False), (Role.ADMIN, Permission.DELETE_ASSETS, True),
    (Role.ADMIN, Permission.USE_ADMIN, True), (Role.OPERATOR, Permission.SYSTEM_DETAILS, False),
])
def test_policy_allows_exactly_what_the_role_table_says(role, permission, allowed) -> None:
    if allowed:
        POLICY.require(principal(role), permission)
    else:
        with pytest.raises(Forbidden, match=permission.value):
            POLICY.require(principal(role), permission)


def test_policy_asks_an_anonymous_caller_to_authenticate_even_for_reading() -> None:
    with pytest.raises(Unauthenticated) as refused:
        POLICY.require(ANONYMOUS, Permission.READ)

    assert refused.value.code == "UNAUTHENTICATED"


async def test_a_created_user_has_only_a_hash_of_its_password(users, access_tables) -> None:
    await users.create("alice", Role.OPERATOR, PASSWORD)

    stored = next(iter(access_tables.users.values()))
    assert (stored.username, stored.role) == ("alice", Role.OPERATOR)
    assert PASSWORD not in stored.password_hash


async def test_user_names_are_unique_and_passwords_long(users) -> None:
    await users.create("alice", Role.VIEWER, PASSWORD)

    with pytest.raises(Conflict):
        await users.create("alice", Role.ADMIN, PASSWORD)
    with pytest.raises(ValidationError):
        await users.create("bob", Role.VIEWER, "short")
    with pytest.raises(ValidationError):
        await users.create("../etc", Role.VIEWER, PASSWORD)


async def test_login_gives_a_session_that_names_the_user(users, auth) -> None:
    await users.create("alice", Role.VIEWER, PASSWORD)

    session_id, who = await auth.login("alice", PASSWORD, "10.0.0.1")

    assert (who.name, who.role) == ("alice", Role.VIEWER)
    assert await auth.session(session_id) == who


async def test_sessions_are_stored_only_as_hashes(users, auth, access_tables) -> None:
    await users.create("alice", Role.VIEWER, PASSWORD)

    session_id, _ = await auth.login("alice", PASSWORD, "10.0.0.1")

    assert session_id not in access_tables.sessions
    assert all(session_id not in repr(s) for s in access_tables.sessions.values())


async def test_logout_password_change_and_removal_end_sessions_at_once(users, auth) -> None:
    await users.create("alice", Role.VIEWER, PASSWORD)
    first, _ = await auth.login("alice", PASSWORD, "a")
    second, _ = await auth.login("alice", PASSWORD, "a")
    third, _ = await auth.login("alice", PASSWORD, "a")

    await auth.logout(first)
    with pytest.raises(Unauthenticated):
        await auth.session(first)
    await auth.session(second)
    await users.set_password("alice", "another long password")
    with pytest.raises(Unauthenticated):
        await auth.session(second)
    fourth, _ = await auth.login("alice", "another long password", "a")
    await users.remove("alice")

    for ended in (third, fourth):
        with pytest.raises(Unauthenticated):
            await auth.session(ended)


async def test_sessions_time_out_when_idle_and_after_their_absolute_age(users, auth,
                                                                       clock) -> None:
    await users.create("alice", Role.VIEWER, PASSWORD)
    idle, _ = await auth.login("alice", PASSWORD, "a")
    busy, _ = await auth.login("alice", PASSWORD, "a")

    clock.advance(20 * 60)
    await auth.session(busy)
    clock.advance(11 * 60)
    with pytest.raises(Unauthenticated, match="timed out"):
        await auth.session(idle)  # 31 min unused: past the idle limit
    for _ in range(16):  # used every 29 min, it never goes idle...
        await auth.session(busy)
        clock.advance(29 * 60)

    with pytest.raises(Unauthenticated, match="timed out"):
        await auth.session(busy)  # 8 h 15 min after sign-in, though used 29 min ago


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer_and_cost(
        users, auth, hasher) -> None:
    await users.create("alice", Role.VIEWER, PASSWORD)

    with pytest.raises(Unauthenticated) as wrong:
        await auth.login("alice", "not the password", "a")
    with pytest.raises(Unauthenticated) as unknown:
        await auth.login("mallory", "not the password", "b")

    assert str(wrong.value) == str(unknown.value) == GENERIC_REFUSAL
    assert hasher.verified == 2


async def test_failures_delay_then_lock_the_account_and_the_client(users, auth, clock,
                                                                   hasher) -> None:
    await users.create("alice", Role.VIEWER, PASSWORD)
    for _ in range(50):
        with pytest.raises(Unauthenticated):
            await auth.login("alice", "guess", "attacker")

    with pytest.raises(Unauthenticated):
        await auth.login("alice", PASSWORD, "attacker")  # locked: even the right password
    with pytest.raises(Unauthenticated):
        await auth.login("alice", PASSWORD, "office")  # the account is locked for everyone
    assert hasher.verified < 5  # throttled attempts never reach the hasher
    clock.advance(61)

    _, who = await auth.login("alice", PASSWORD, "office")
    assert who.name == "alice"


async def test_a_locked_client_cannot_move_on_to_another_account(users, auth) -> None:
    await users.create("alice", Role.VIEWER, PASSWORD)
    await users.create("bob", Role.VIEWER, PASSWORD)
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            await auth.login("alice", "guess", "attacker")

    with pytest.raises(Unauthenticated):
        await auth.login("bob", PASSWORD, "attacker")
    _, who = await auth.login("bob", PASSWORD, "office")
    assert who.name == "bob"


def test_delays_grow_exponentially_up_to_the_cap() -> None:
    policy = ThrottlePolicy(free=2, base_delay=0.5, max_delay=8)

    assert [policy.delay(n) for n in range(1, 9)] == [0, 0, 0.5, 1, 2, 4, 8, 8]


async def test_tokens_are_shown_once_stored_hashed_and_refused_once_revoked(
        access_tables, auth, tokens) -> None:

    issued = await tokens.create("ci", Role.OPERATOR, created_by="user:alice")
    who = await auth.token(issued.secret)
    await tokens.revoke("ci")

    assert (who.kind, who.name, who.role) == (PrincipalKind.TOKEN, "ci", Role.OPERATOR)
    stored = next(iter(access_tables.tokens.values()), None)
    assert stored is None
    assert issued.token.token_hash == hash_secret(issued.secret) != issued.secret
    with pytest.raises(Unauthenticated):
        await auth.token(issued.secret)
    with pytest.raises(NotFound):
        await tokens.revoke("ci")


async def test_an_expired_token_is_refused_and_use_is_recorded(access_tables, auth, tokens,
                                                               clock) -> None:
    issued = await tokens.create("short", Role.VIEWER, expires_in=parse_duration("1h"))

    await auth.token(issued.secret)
    clock.advance(3600)

    assert access_tables.tokens[issued.token.id].last_used_at is not None
    with pytest.raises(Unauthenticated):
        await auth.token(issued.secret)


async def test_a_verified_token_is_not_looked_up_again_for_two_seconds(
        access_tables, auth, tokens, clock) -> None:
    issued = await tokens.create("ci", Role.OPERATOR)
    await auth.token(issued.secret)
    del access_tables.tokens[issued.token.id]  # another process revoked it

    clock.advance(1.9)
    still = await auth.token(issued.secret)  # within the cache's 2 s: no lookup
    clock.advance(0.2)

    assert still.name == "ci"
    with pytest.raises(Unauthenticated):
        await auth.token(issued.secret)


async def test_a_cached_token_is_refused_the_moment_it_expires(
        access_uow, hasher, clock, throttle) -> None:
    cache = TokenCache(ttl=timedelta(hours=2))
    auth = Authenticator(access_uow, hasher, clock, throttle, token_cache=cache)
    issued = await Tokens(access_uow, clock, cache).create("short", Role.VIEWER,
                                                           expires_in=parse_duration("1h"))
    await auth.token(issued.secret)
    clock.advance(3599)
    await auth.token(issued.secret)
    clock.advance(1)

    with pytest.raises(Unauthenticated):
        await auth.token(issued.secret)


def test_the_token_cache_keeps_only_its_newest_entries() -> None:
    cache, now = TokenCache(size=2), datetime(2026, 1, 1, tzinfo=UTC)
    for name in ("a", "b", "c"):
        cache.put(name, principal(Role.VIEWER), None, now)

    assert [cache.get(name, now) is not None for name in ("a", "b", "c")] == [False, True, True]


@pytest.mark.parametrize(("text", "seconds"), [("30d", 30 * 86400), ("12h", 43200),
                                               ("90m", 5400), ("2w", 14 * 86400)])
def test_durations_parse(text, seconds) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "0d", "30", "1y", "-3d"])
def test_bad_durations_are_refused(text) -> None:
    with pytest.raises(ValidationError):
        parse_duration(text)


async def test_ensure_creates_the_first_admin_then_keeps_its_password_in_step(users, auth
                                                                              ) -> None:
    assert await users.ensure("admin", Role.ADMIN, PASSWORD) is True
    assert await users.ensure("admin", Role.ADMIN, "a changed long password") is False

    with pytest.raises(Unauthenticated):
        await auth.login("admin", PASSWORD, "a")
    _, who = await auth.login("admin", "a changed long password", "b")
    assert who.role is Role.ADMIN


async def test_first_start_on_loopback_makes_one_admin_with_a_password_shown_once(users
                                                                                  ) -> None:
    first = await ensure_first_admin(users, "admin", None, loopback=True)
    second = await ensure_first_admin(users, "admin", None, loopback=True)

    assert first is not None
    assert first.password
    assert second is None
    [admin] = await users.list()
    assert (admin.username, admin.role) == ("admin", Role.ADMIN)


async def test_a_configured_admin_password_is_the_admins_password(users, auth) -> None:
    await ensure_first_admin(users, "boss", PASSWORD, loopback=False)

    _, who = await auth.login("boss", PASSWORD, "a")
    assert (who.name, who.role) == ("boss", Role.ADMIN)


async def test_a_public_bind_with_nobody_to_sign_in_refuses_to_start(users) -> None:
    with pytest.raises(NobodyCanSignIn, match="MPR_ADMIN_PASSWORD"):
        await ensure_first_admin(users, "admin", None, loopback=False)


async def test_a_public_bind_with_a_token_starts_without_making_a_user(users, access_uow,
                                                                       clock) -> None:
    await Tokens(access_uow, clock).create("ci", Role.ADMIN)

    assert await ensure_first_admin(users, "admin", None, loopback=False) is None
    assert await users.list() == []


async def test_trying_a_locked_account_does_not_lock_the_honest_client(users, auth,
                                                                       clock) -> None:
    await users.create("alice", Role.VIEWER, PASSWORD)
    await users.create("bob", Role.VIEWER, PASSWORD)
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            await auth.login("alice", "guess", "attacker")

    for _ in range(30):  # the real alice keeps trying while her account is locked
        with pytest.raises(Unauthenticated):
            await auth.login("alice", PASSWORD, "office")
    _, other = await auth.login("bob", PASSWORD, "office")
    clock.advance(61)
    _, alice = await auth.login("alice", PASSWORD, "office")

    assert (other.name, alice.name) == ("bob", "alice")
