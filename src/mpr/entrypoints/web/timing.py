"""A Server-Timing header on every HTTP response: the time the app spent producing it."""

from __future__ import annotations

import time

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class ServerTiming:
    """ASGI middleware adding `Server-Timing: app;dur=<ms>` (handler + serialisation)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - start) * 1000
                headers = [*message.get("headers", ()), (b"server-timing",
                                                         f"app;dur={took:.2f}".encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self._app(scope, receive, timed_send)
