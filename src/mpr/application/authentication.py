"""Turning credentials (a bearer token, a session cookie, a password) into a Principal."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from mpr.application.authorization import Principal, PrincipalKind
from mpr.application.login_throttle import GENERIC_REFUSAL, LoginThrottle
from mpr.application.token_cache import TokenCache
from mpr.application.tokens import hash_secret
from mpr.domain.errors import Unauthenticated
from mpr.domain.identity import Session, User
from mpr.domain.ports import AccessUnitOfWorkFactory, Clock, PasswordHasher

TOUCH_EVERY = timedelta(seconds=60)  # last-used / last-seen writes at most this often


@dataclass(frozen=True, slots=True)
class SessionTimeouts:
    idle: timedelta = timedelta(hours=2)
    absolute: timedelta = timedelta(hours=24)


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Authenticator:
    def __init__(self, uow: AccessUnitOfWorkFactory, hasher: PasswordHasher, clock: Clock,
                 throttle: LoginThrottle, timeouts: SessionTimeouts | None = None,
                 token_cache: TokenCache | None = None) -> None:
        self._uow, self._hasher, self._clock = uow, hasher, clock
        self._token_cache = token_cache or TokenCache()
        self._throttle = throttle
        self._timeouts = timeouts or SessionTimeouts()
        self._dummy_hash: str | None = None

    async def token(self, secret: str) -> Principal:
        """The token's principal; Unauthenticated when unknown, revoked or expired.

        A token verified within the cache's time to live is not looked up again."""
        now, token_hash = self._clock.now(), hash_secret(secret)
        cached = self._token_cache.get(token_hash, now)
        if cached is not None:
            return cached
        async with self._uow() as uow:
            token = await uow.tokens.by_hash(token_hash)
            if token is None or token.expired(now):
                raise Unauthenticated("invalid, revoked or expired token")
            if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
                await uow.tokens.touch(token.id, now)
                await uow.commit()
        principal = Principal(PrincipalKind.TOKEN, token.name, token.role)
        self._token_cache.put(token_hash, principal, token.expires_at, now)
        return principal

    async def session(self, session_id: str) -> Principal:
        """The signed-in user; Unauthenticated when the session ended or timed out."""
        now, id_hash = self._clock.now(), session_hash(session_id)
        async with self._uow() as uow:
            session = await uow.sessions.get(id_hash)
            user = await uow.users.get(session.user_id) if session else None
            if session is None or user is None:
                raise Unauthenticated("your session ended; sign in again")
            if session.expired(now, self._timeouts.idle, self._timeouts.absolute):
                await uow.sessions.delete(id_hash)
                await uow.commit()
                raise Unauthenticated("your session timed out; sign in again")
            if now - session.last_seen_at >= TOUCH_EVERY:
                await uow.sessions.touch(id_hash, now)
                await uow.commit()
        return _user_principal(user)

    async def login(self, username: str, password: str, client: str) -> tuple[str, Principal]:
        """A new session id for a right password; one generic refusal for everything else."""
        keys = (f"account:{username.strip().lower()}", f"client:{client}")
        self._throttle.check(keys)
        user = await self._verified(username, password)
        if user is None:
            self._throttle.failed(keys)
            raise Unauthenticated(GENERIC_REFUSAL)
        self._throttle.succeeded(keys)
        session_id, now = secrets.token_urlsafe(32), self._clock.now()
        async with self._uow() as uow:
            await uow.sessions.add(Session(session_hash(session_id), user.id, now, now))
            await uow.commit()
        return session_id, _user_principal(user)

    async def logout(self, session_id: str) -> None:
        """End the session at once."""
        async with self._uow() as uow:
            await uow.sessions.delete(session_hash(session_id))
            await uow.commit()

    async def _verified(self, username: str, password: str) -> User | None:
        async with self._uow() as uow:
            user = await uow.users.by_name(username)
        if user is None:  # spend the same time as for a real user
            await self._hasher.verify(await self._dummy(), password)
            return None
        return user if await self._hasher.verify(user.password_hash, password) else None

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash


def _user_principal(user: User) -> Principal:
    return Principal(PrincipalKind.USER, user.username, user.role)
