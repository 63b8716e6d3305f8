"""The access-control services an entrypoint needs, as one group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mpr.application.authentication import Authenticator
from mpr.application.authorization import Policy
from mpr.application.tokens import Tokens
from mpr.application.users import Users
from mpr.domain.identity import Deletion
from mpr.domain.ports import AccessUnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Access:
    """Users, tokens, authentication, the policy and the server secret (CSRF, signing)."""

    users: Users
    tokens: Tokens
    authenticator: Authenticator
    policy: Policy
    secret: bytes
    uow: AccessUnitOfWorkFactory

    async def deletions(self, limit: int = 50) -> Sequence[Deletion]:
        """The latest recorded deletions, newest first."""
        async with self.uow() as uow:
            return await uow.deletions.list(limit)
