"""Users: create, change password, remove (ending their sessions at once), list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from mpr.domain.errors import Conflict, NotFound
from mpr.domain.identity import Role, User, check_name, check_password
from mpr.domain.ports import AccessUnitOfWorkFactory, Clock, PasswordHasher


class Users:
    def __init__(self, uow: AccessUnitOfWorkFactory, hasher: PasswordHasher,
                 clock: Clock) -> None:
        self._uow, self._hasher, self._clock = uow, hasher, clock

    async def create(self, username: str, role: Role, password: str) -> User:
        """A new user; Conflict when the name is taken."""
        check_name("user", username)
        password_hash = await self._hasher.hash(check_password(password))
        now = self._clock.now()
        user = User(uuid.uuid4(), username, password_hash, role, now, now)
        async with self._uow() as uow:
            if await uow.users.by_name(username) is not None:
                raise Conflict(f"user {username} already exists")
            await uow.users.add(user)
            await uow.commit()
        return user

    async def set_password(self, username: str, password: str) -> User:
        """Change a password; every session of the user ends."""
        password_hash = await self._hasher.hash(check_password(password))
        async with self._uow() as uow:
            user = _named(await uow.users.by_name(username), username)
            user.password_hash, user.updated_at = password_hash, self._clock.now()
            await uow.users.save(user)
            await uow.sessions.delete_for_user(user.id)
            await uow.commit()
        return user

    async def set_role(self, username: str, role: Role) -> User:
        async with self._uow() as uow:
            user = _named(await uow.users.by_name(username), username)
            user.role, user.updated_at = role, self._clock.now()
            await uow.users.save(user)
            await uow.commit()
        return user

    async def remove(self, username: str) -> User:
        """Delete a user; its sessions end with it."""
        async with self._uow() as uow:
            user = _named(await uow.users.by_name(username), username)
            await uow.sessions.delete_for_user(user.id)
            await uow.users.delete(user.id)
            await uow.commit()
        return user

    async def get(self, username: str) -> User:
        async with self._uow() as uow:
            return _named(await uow.users.by_name(username), username)

    async def list(self) -> Sequence[User]:
        async with self._uow() as uow:
            return await uow.users.list()

    async def ensure(self, username: str, role: Role, password: str) -> bool:
        """Make the user exist with this password and role; True when it was created."""
        async with self._uow() as uow:
            existing = await uow.users.by_name(username)
        if existing is None:
            await self.create(username, role, password)
            return True
        if existing.role is not role:
            await self.set_role(username, role)
        if not await self._hasher.verify(existing.password_hash, password):
            await self.set_password(username, password)
        return False

    async def any_identity(self) -> bool:
        """True when at least one user or token exists."""
        async with self._uow() as uow:
            return await uow.users.count() > 0 or await uow.tokens.count() > 0


def _named(user: User | None, username: str) -> User:
    if user is None:
        raise NotFound("user", username)
    return user
