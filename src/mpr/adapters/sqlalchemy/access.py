"""Users, tokens, sessions and deletions over an AsyncSession, and their unit of work."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mpr.adapters.sqlalchemy.engine import db_errors
from mpr.adapters.sqlalchemy.models import DeletionRow, SessionRow, TokenRow, UserRow
from mpr.domain.errors import MprError
from mpr.domain.identity import ApiToken, Deletion, Role, Session, User
from mpr.domain.ports import (
    DeletionRepository,
    SessionRepository,
    TokenRepository,
    UserRepository,
)


def _user(row: UserRow) -> User:
    return User(row.id, row.username, row.password_hash, Role(row.role), row.created_at,
                row.updated_at)


def _token(row: TokenRow) -> ApiToken:
    return ApiToken(row.id, row.name, row.token_hash, Role(row.role), row.created_at,
                    row.expires_at, row.last_used_at, row.created_by)


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, user: User) -> None:
        self._s.add(UserRow(id=user.id, username=user.username,
                            password_hash=user.password_hash, role=user.role.value,
                            created_at=user.created_at, updated_at=user.updated_at))
        with db_errors(f"user {user.username} already exists"):
            await self._s.flush()

    async def get(self, user_id: uuid.UUID) -> User | None:
        with db_errors():
            row = await self._s.get(UserRow, user_id)
        return _user(row) if row else None

    async def by_name(self, username: str) -> User | None:
        with db_errors():
            row = await self._s.scalar(select(UserRow).where(UserRow.username == username))
        return _user(row) if row else None

    async def save(self, user: User) -> None:
        with db_errors():
            await self._s.execute(update(UserRow).where(UserRow.id == user.id).values(
                password_hash=user.password_hash, role=user.role.value,
                updated_at=user.updated_at))

    async def delete(self, user_id: uuid.UUID) -> None:
        with db_errors():
            await self._s.execute(delete(UserRow).where(UserRow.id == user_id))

    async def list(self) -> Sequence[User]:
        with db_errors():
            rows = await self._s.scalars(select(UserRow).order_by(UserRow.username))
        return [_user(r) for r in rows]

    async def count(self) -> int:
        with db_errors():
            return int(await self._s.scalar(select(func.count()).select_from(UserRow)) or 0)


class SqlTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, token: ApiToken) -> None:
        self._s.add(TokenRow(id=token.id, name=token.name, token_hash=token.token_hash,
                             role=token.role.value, created_at=token.created_at,
                             expires_at=token.expires_at, last_used_at=token.last_used_at,
                             created_by=token.created_by))
        with db_errors(f"token {token.name} already exists"):
            await self._s.flush()

    async def by_hash(self, token_hash: str) -> ApiToken | None:
        with db_errors():
            row = await self._s.scalar(select(TokenRow).where(TokenRow.token_hash == token_hash))
        return _token(row) if row else None

    async def by_name(self, name: str) -> ApiToken | None:
        with db_errors():
            row = await self._s.scalar(select(TokenRow).where(TokenRow.name == name))
        return _token(row) if row else None

    async def touch(self, token_id: uuid.UUID, used_at: datetime) -> None:
        with db_errors():
            await self._s.execute(update(TokenRow).where(TokenRow.id == token_id)
                                  .values(last_used_at=used_at))

    async def delete(self, token_id: uuid.UUID) -> None:
        with db_errors():
            await self._s.execute(delete(TokenRow).where(TokenRow.id == token_id))

    async def list(self) -> Sequence[ApiToken]:
        with db_errors():
            rows = await self._s.scalars(select(TokenRow).order_by(TokenRow.name))
        return [_token(r) for r in rows]

    async def count(self) -> int:
        with db_errors():
            return int(await self._s.scalar(select(func.count()).select_from(TokenRow)) or 0)


class SqlSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, session: Session) -> None:
        self._s.add(SessionRow(id_hash=session.id_hash, user_id=session.user_id,
                               created_at=session.created_at,
                               last_seen_at=session.last_seen_at))
        with db_errors():
            await self._s.flush()

    async def get(self, id_hash: str) -> Session | None:
        with db_errors():
            row = await self._s.get(SessionRow, id_hash)
        return Session(row.id_hash, row.user_id, row.created_at, row.last_seen_at) if row else None

    async def touch(self, id_hash: str, seen_at: datetime) -> None:
        with db_errors():
            await self._s.execute(update(SessionRow).where(SessionRow.id_hash == id_hash)
                                  .values(last_seen_at=seen_at))

    async def delete(self, id_hash: str) -> None:
        with db_errors():
            await self._s.execute(delete(SessionRow).where(SessionRow.id_hash == id_hash))

    async def delete_for_user(self, user_id: uuid.UUID) -> None:
        with db_errors():
            await self._s.execute(delete(SessionRow).where(SessionRow.user_id == user_id))


class SqlDeletionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, deletion: Deletion) -> None:
        self._s.add(DeletionRow(id=deletion.id, kind=deletion.kind, entity_id=deletion.entity_id,
                                name=deletion.name, deleted_by=deletion.deleted_by,
                                deleted_at=deletion.deleted_at))
        with db_errors():
            await self._s.flush()

    async def list(self, limit: int) -> Sequence[Deletion]:
        query = select(DeletionRow).order_by(DeletionRow.deleted_at.desc()).limit(limit)
        with db_errors():
            rows = await self._s.scalars(query)
        return [Deletion(r.id, r.kind, r.entity_id, r.name, r.deleted_by, r.deleted_at)
                for r in rows]


class SqlAccessUnitOfWork:
    """A transaction over users, tokens and sessions; leaving without commit rolls back."""

    users: UserRepository
    tokens: TokenRepository
    sessions: SessionRepository
    deletions: DeletionRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        session = self._session = self._factory()
        self.users = SqlUserRepository(session)
        self.tokens = SqlTokenRepository(session)
        self.sessions = SqlSessionRepository(session)
        self.deletions = SqlDeletionRepository(session)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        quiet = contextlib.suppress(MprError) if exc is not None else contextlib.nullcontext()
        with quiet, db_errors():
            await session.close()

    async def commit(self) -> None:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        with db_errors():
            await self._session.commit()
