"""The typed GraphQL context: the request plus MPR's services and the caller."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.types import Scope
from strawberry.litestar import BaseContext
from strawberry.types import Info as StrawberryInfo

from mpr.bootstrap import Services
from mpr.entrypoints.web.auth import Caller, Credential, authenticate, credential_of


class Context(BaseContext, kw_only=True):
    services: Services
    credential: Credential | None = None
    connection_params: dict[str, Any] | None = None
    resolved: asyncio.Future[Caller] | None = None
    shared: bool = False  # a fan-out group's: the fan-out re-checks each member's credential

    @classmethod
    def shared_by(cls, services: Services, caller: Caller) -> Context:
        """The context a fan-out group executes in: its first member's caller, proven."""
        context = cls(services=services, credential=caller.credential, shared=True)
        context.resolved = asyncio.get_running_loop().create_future()
        context.resolved.set_result(caller)
        return context

    async def caller(self) -> Caller:
        """Who sent the request, looked up once and only when a field needs to know (a
        document refused by the limits or validation costs no lookup)."""
        if self.resolved is None:
            self.resolved = asyncio.ensure_future(
                authenticate(self.services.access, self.credential))
        return await self.resolved

    def authenticated_as(self, credential: Credential, caller: Caller) -> None:
        """A WebSocket's connection_init proved this credential: it replaces the cookie."""
        self.credential = credential
        self.resolved = asyncio.get_running_loop().create_future()
        self.resolved.set_result(caller)


Info = StrawberryInfo[Context, Any]


async def context_getter(state: State, scope: Scope) -> Context:
    """The services put in the app state at start-up, and what the request (HTTP) or the
    socket's handshake (WebSocket: its cookie) presented as credential."""
    connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
    return Context(services=state.services,
                   credential=credential_of(connection.headers, connection.cookies))
