"""The gate in front of the admin: the same users (admin role), CSRF tokens, POST-only actions.

Anonymous browsers are sent to /login; other roles get 403. A cookie-authenticated request
that changes state must carry the session's CSRF token (form field or X-CSRF-Token header);
the gate writes that field into every form of the admin's pages. Actions (cancel, retry)
are POST only: the gate hands them to sqladmin as the GET it expects, after the checks."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mpr.application.authorization import Permission
from mpr.application.recording import act_as
from mpr.bootstrap import Services
from mpr.domain.errors import MprError
from mpr.entrypoints.web.auth import (
    SESSION_COOKIE,
    Caller,
    authenticate,
    credential_of,
    csrf_ok,
    csrf_token,
    require,
)

MAX_FORM_BYTES = 1 << 20
SAFE = frozenset({"GET", "HEAD"})
_ACTION = re.compile(r"^/admin/[^/]+/action/[^/]+$")
_FORM_TAG = re.compile(rb"(<form\b[^>]*\bmethod=[\"']?post[\"']?[^>]*>)", re.IGNORECASE)
_MULTIPART_TOKEN = re.compile(rb'name="csrf_token"\r\n\r\n([0-9a-f]{64})\r\n')
SCRIPT = b'<script src="/static/ui/admin-csrf.js" defer></script>'
# what sqladmin's pages lack for screen readers and contrast (axe-core's serious findings)
A11Y = (b'<link rel="stylesheet" href="/static/ui/admin.css">'
        b'<script src="/static/ui/admin-a11y.js" defer></script>')


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    pairs = (p.strip().partition("=") for p in headers.get("cookie", "").split(";"))
    return {k: v for k, _, v in pairs if k}


class AdminGate:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self._app, self._services = app, services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        path, method = scope["path"], scope.get("method", "GET")
        if path in ("/admin/login", "/admin/logout"):
            target = "/login?next=/admin/" if path.endswith("login") else "/"
            await _plain(send, 303, "", {"location": target})
            return
        caller = await authenticate(self._services.access,
                                    credential_of(headers, _cookies(headers)))
        refused = await self._refusal(caller, scope, send)
        if refused:
            return
        body, receive = await _buffered(receive) if method not in SAFE else (b"", receive)
        if method not in SAFE and not self._csrf_passed(caller, headers, body):
            await _plain(send, 403, "CSRF token missing or wrong: reload the page and retry")
            return
        if _ACTION.match(path):
            if method in SAFE:
                await _plain(send, 405, "admin actions are POST only", {"allow": "POST"})
                return
            scope = _as_get(scope, body)
        session = _cookies(headers).get(SESSION_COOKIE) if caller.credential and \
            caller.credential.kind == "session" else None
        token = csrf_token(self._services.access, session).encode() if session else None
        act_as(caller.principal.actor)
        await self._app(scope, receive,
                        _CsrfPages(send, token) if token else send)

    async def _refusal(self, caller: Caller, scope: Scope, send: Send) -> bool:
        try:
            require(self._services.access, caller, Permission.USE_ADMIN)
        except MprError as e:
            if not caller.principal.authenticated and scope.get("method") in SAFE:
                target = quote(scope["path"], safe="/")
                await _plain(send, 303, "", {"location": f"/login?next={target}"})
            else:
                status = 401 if not caller.principal.authenticated else 403
                await _plain(send, status, str(e))
            return True
        return False

    def _csrf_passed(self, caller: Caller, headers: dict[str, str], body: bytes) -> bool:
        credential = caller.credential
        if credential is None or credential.kind != "session":
            return True  # a bearer token is never sent by a browser on its own
        given = headers.get("x-csrf-token") or _form_token(headers, body)
        return csrf_ok(self._services.access, credential.secret, given)


def _form_token(headers: dict[str, str], body: bytes) -> str | None:
    kind = headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        found = parse_qs(body.decode("latin-1")).get("csrf_token")
        return found[0] if found else None
    if kind.startswith("multipart/form-data"):
        match = _MULTIPART_TOKEN.search(body)
        return match[1].decode() if match else None
    return None


def _as_get(scope: Scope, body: bytes) -> Scope:
    """A POSTed action as the GET sqladmin serves, the selected pks in the query string."""
    form = parse_qs(body.decode("latin-1"))
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    pks = form.get("pks") or query.get("pks") or [""]
    return {**scope, "method": "GET", "query_string": urlencode({"pks": pks[0]}).encode()}


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            break
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return body, replay


class _CsrfPages:
    """A send that adds the CSRF field to every POST form of an HTML page, and the script
    that sends the token with the admin's own requests (deletes, actions)."""

    def __init__(self, send: Send, token: bytes) -> None:
        self._send, self._token = send, token
        self._start: Message | None = None
        self._chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            kinds = [v for k, v in message.get("headers", ()) if k.lower() == b"content-type"]
            if kinds and kinds[0].startswith(b"text/html"):
                self._start = message
                return
        if self._start is None or message["type"] != "http.response.body":
            await self._send(message)
            return
        self._chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        page = _rewrite(b"".join(self._chunks), self._token)
        headers = [(k, v) for k, v in self._start.get("headers", ())
                   if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(page)).encode()))
        await self._send({**self._start, "headers": headers})
        await self._send({"type": "http.response.body", "body": page, "more_body": False})


def _rewrite(page: bytes, token: bytes) -> bytes:
    field = b'<input type="hidden" name="csrf_token" value="' + token + b'">'
    page = _FORM_TAG.sub(lambda m: m[1] + field, page)
    meta = b'<meta name="csrf-token" content="' + token + b'">' + SCRIPT + A11Y
    return page.replace(b"</head>", meta + b"</head>", 1)


async def _plain(send: Send, status: int, text: str, extra: dict[str, str] | None = None
                 ) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode()),
               *((k.encode(), v.encode()) for k, v in (extra or {}).items())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
