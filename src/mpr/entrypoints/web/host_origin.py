"""Host and Origin checks in front of every route: DNS rebinding and cross-site requests.

A request naming a Host outside MPR_ALLOWED_HOSTS gets 400; a state-changing request or a
WebSocket handshake whose Origin is not the site it asks gets 403. (Framing is refused by
the security headers, security.py.)"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def host_name(host: str) -> str:
    """The name of a Host header value, without port; IPv6 without brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def same_origin(origin: str, host: str) -> bool:
    """True when the Origin header names the host (and port) the request was sent to."""
    parts = urlsplit(origin.strip().lower())
    return parts.scheme in ("http", "https") and parts.netloc == host.strip().lower()


def not_cross_site(headers: dict[str, str]) -> bool:
    """No sign that another site sent the request: a same-origin Origin, or (Origin 'null',
    as a strict Referrer-Policy makes browsers send) Sec-Fetch-Site same-origin, or no
    browser marker at all (a non-browser client)."""
    origin, site = headers.get("origin"), headers.get("sec-fetch-site")
    if origin is not None and origin.strip() != "null":
        return same_origin(origin, headers.get("host", ""))
    if site is not None:
        return site in ("same-origin", "none")
    return origin is None


class HostOriginCheck:
    def __init__(self, app: ASGIApp, allowed_hosts: frozenset[str]) -> None:
        self._app, self._allowed = app, allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in (ScopeType.HTTP, ScopeType.WEBSOCKET):
            await self._app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if host_name(host) not in self._allowed:
            await _refuse(scope, receive, send, 400, "this host name is not served here "
                          "(add it to MPR_ALLOWED_HOSTS)")
            return
        changes = scope["type"] == ScopeType.WEBSOCKET or scope["method"] not in SAFE_METHODS
        if changes and not not_cross_site(headers):
            await _refuse(scope, receive, send, 403, "cross-origin request refused")
            return
        await self._app(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, reason: str) -> None:
    if scope["type"] == ScopeType.WEBSOCKET:
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1008, "reason": reason})
        return
    body = f'{{"error": "{reason}", "code": "{"BAD_HOST" if status == 400 else "FORBIDDEN"}"}}'
    start: HTTPResponseStartEvent = {
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]}
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body.encode(),
                                  "more_body": False}
    await send(end)
