"""GraphQL for access control: `me`, and user and token management for admins."""

from __future__ import annotations

from datetime import datetime

import strawberry

from mpr.application.authorization import ROLE_PERMISSIONS, Permission
from mpr.application.tokens import parse_duration
from mpr.domain.identity import ApiToken, Deletion, Role, User
from mpr.entrypoints.web.graphql.context import Info
from mpr.entrypoints.web.graphql.permissions import guard
from mpr.entrypoints.web.graphql.types import DeleteResult


@strawberry.type
class Me:
    kind: str = strawberry.field(description="user or token")
    name: str
    role: str
    permissions: list[str]


@strawberry.type(name="User")
class UserType:
    id: strawberry.ID
    username: str
    role: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, u: User) -> UserType:
        return cls(id=strawberry.ID(str(u.id)), username=u.username, role=u.role.value,
                   created_at=u.created_at, updated_at=u.updated_at)


@strawberry.type(name="ApiToken")
class TokenType:
    id: strawberry.ID
    name: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    created_by: str | None

    @classmethod
    def from_domain(cls, t: ApiToken) -> TokenType:
        return cls(id=strawberry.ID(str(t.id)), name=t.name, role=t.role.value,
                   created_at=t.created_at, expires_at=t.expires_at,
                   last_used_at=t.last_used_at, created_by=t.created_by)


@strawberry.type
class NewToken:
    token: TokenType
    secret: str = strawberry.field(description="the token itself; it is never shown again")


@strawberry.type(name="Deletion")
class DeletionType:
    kind: str
    entity_id: strawberry.ID
    name: str
    deleted_by: str
    deleted_at: datetime

    @classmethod
    def from_domain(cls, d: Deletion) -> DeletionType:
        return cls(kind=d.kind, entity_id=strawberry.ID(str(d.entity_id)), name=d.name,
                   deleted_by=d.deleted_by, deleted_at=d.deleted_at)


@strawberry.type
class AccessQuery:
    @strawberry.field(**guard(Permission.READ), description="Who is calling, and what it may do")
    async def me(self, info: Info) -> Me:
        who = (await info.context.caller()).principal
        role = who.role or Role.VIEWER
        return Me(kind=who.kind.value, name=who.name, role=role.value,
                  permissions=sorted(p.value for p in ROLE_PERMISSIONS[role]))

    @strawberry.field(**guard(Permission.MANAGE_USERS))
    async def users(self, info: Info) -> list[UserType]:
        return [UserType.from_domain(u) for u in await info.context.services.access.users.list()]

    @strawberry.field(**guard(Permission.USE_ADMIN),
                      description="Deleted assets and presets, newest first, with who did it")
    async def deletions(self, info: Info, limit: int = 50) -> list[DeletionType]:
        found = await info.context.services.access.deletions(min(max(limit, 1), 500))
        return [DeletionType.from_domain(d) for d in found]

    @strawberry.field(**guard(Permission.MANAGE_TOKENS))
    async def tokens(self, info: Info) -> list[TokenType]:
        found = await info.context.services.access.tokens.list()
        return [TokenType.from_domain(t) for t in found]


@strawberry.type
class AccessMutation:
    @strawberry.mutation(**guard(Permission.MANAGE_USERS))
    async def create_user(self, info: Info, username: str, role: str,
                          password: str) -> UserType:
        users = info.context.services.access.users
        return UserType.from_domain(await users.create(username, Role.parse(role), password))

    @strawberry.mutation(**guard(Permission.MANAGE_USERS),
                         description="Change a user's role and/or password; a new password "
                                     "ends the user's sessions")
    async def update_user(self, info: Info, username: str, role: str | None = None,
                          password: str | None = None) -> UserType:
        users = info.context.services.access.users
        user = None
        if role is not None:
            user = await users.set_role(username, Role.parse(role))
        if password is not None:
            user = await users.set_password(username, password)
        return UserType.from_domain(user or await users.get(username))

    @strawberry.mutation(**guard(Permission.MANAGE_USERS),
                         description="Remove a user; its sessions end at once")
    async def delete_user(self, info: Info, username: str) -> DeleteResult:
        user = await info.context.services.access.users.remove(username)
        return DeleteResult(ok=True, id=strawberry.ID(str(user.id)))

    @strawberry.mutation(**guard(Permission.MANAGE_TOKENS),
                         description="A new API token; expires like 30d, 12h or 90m")
    async def create_token(self, info: Info, name: str, role: str,
                           expires: str | None = None) -> NewToken:
        lifetime = parse_duration(expires) if expires else None
        maker = (await info.context.caller()).principal.actor
        issued = await info.context.services.access.tokens.create(
            name, Role.parse(role), lifetime, created_by=maker)
        return NewToken(token=TokenType.from_domain(issued.token), secret=issued.secret)

    @strawberry.mutation(**guard(Permission.MANAGE_TOKENS),
                         description="Revoke a token: its next request is refused")
    async def revoke_token(self, info: Info, name: str) -> DeleteResult:
        token = await info.context.services.access.tokens.revoke(name)
        return DeleteResult(ok=True, id=strawberry.ID(str(token.id)))
