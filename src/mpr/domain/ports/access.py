"""Ports of access control: users, tokens, sessions, deletions and password hashing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from mpr.domain.identity import ApiToken, Deletion, Session, User


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert a user; Conflict when the username is taken."""
        ...

    async def get(self, user_id: uuid.UUID) -> User | None:
        """The user with that id, if any."""
        ...

    async def by_name(self, username: str) -> User | None:
        """The user with that username, if any."""
        ...

    async def save(self, user: User) -> None:
        """Replace a stored user by id."""
        ...

    async def delete(self, user_id: uuid.UUID) -> None:
        """Remove the user (its sessions go with it)."""
        ...

    async def list(self) -> Sequence[User]:
        """Every user, by username."""
        ...

    async def count(self) -> int:
        """How many users exist."""
        ...


class TokenRepository(Protocol):
    async def add(self, token: ApiToken) -> None:
        """Insert a token; Conflict when the name is taken."""
        ...

    async def by_hash(self, token_hash: str) -> ApiToken | None:
        """The token whose secret hashes to token_hash, if any."""
        ...

    async def by_name(self, name: str) -> ApiToken | None:
        """The token with that name, if any."""
        ...

    async def touch(self, token_id: uuid.UUID, used_at: datetime) -> None:
        """Record when the token was last used."""
        ...

    async def delete(self, token_id: uuid.UUID) -> None:
        """Remove the token: it is refused from then on."""
        ...

    async def list(self) -> Sequence[ApiToken]:
        """Every token, by name."""
        ...

    async def count(self) -> int:
        """How many tokens exist."""
        ...


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None:
        """Insert a new session."""
        ...

    async def get(self, id_hash: str) -> Session | None:
        """The session with that id hash, if any."""
        ...

    async def touch(self, id_hash: str, seen_at: datetime) -> None:
        """Record that the session was used."""
        ...

    async def delete(self, id_hash: str) -> None:
        """End one session; a missing one is not an error."""
        ...

    async def delete_for_user(self, user_id: uuid.UUID) -> None:
        """End every session of a user."""
        ...


class DeletionRepository(Protocol):
    async def add(self, deletion: Deletion) -> None:
        """Record a deletion."""
        ...

    async def list(self, limit: int) -> Sequence[Deletion]:
        """The latest deletions, newest first."""
        ...


class AccessUnitOfWork(Protocol):
    """One transaction over users, tokens, sessions and the deletion record; leaving without
    commit rolls back."""

    users: UserRepository
    tokens: TokenRepository
    sessions: SessionRepository
    deletions: DeletionRepository

    async def __aenter__(self) -> Self:
        ...

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        ...

    async def commit(self) -> None:
        """Make the changes of this unit durable."""
        ...


AccessUnitOfWorkFactory = Callable[[], AccessUnitOfWork]


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str:
        """A salted, slow hash of the password (off the event loop)."""
        ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches the hash; never raises for a mismatch."""
        ...
