"""Who may see the UI's pages and media: the same policy as the GraphQL API."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from mpr.application.authorization import Permission
from mpr.bootstrap import Services
from mpr.entrypoints.web.auth import Caller, authenticate, credential_of, require


async def connection_caller(connection: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    services: Services = connection.app.state.services
    credential = credential_of(connection.headers, connection.cookies)
    return await authenticate(services.access, credential)


async def play_guard(connection: ASGIConnection[Any, Any, Any, Any],
                     _: BaseRouteHandler) -> None:
    """Media, thumbnails and downloads need the play permission."""
    services: Services = connection.app.state.services
    require(services.access, await connection_caller(connection), Permission.PLAY)
