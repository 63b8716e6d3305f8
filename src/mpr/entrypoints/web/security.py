"""Security headers on every HTTP response: one Content-Security-Policy per kind of page."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable
from functools import cache
from importlib.resources import files
from urllib.parse import urlsplit

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from mpr.settings import Settings

# Referrers never leave MPR, but its own POSTs keep their Origin: under "no-referrer" browsers
# send `Origin: null`, and at a plain-http name (http://mpr.local.ar/) without the
# Sec-Fetch-Site that would vouch for them, so every sign-in and mutation was refused.
_COMMON = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Referrer-Policy": "same-origin"}
_BASE = ("default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
         "frame-ancestors 'none'")
# GraphiQL and CodeMirror set style attributes and inject <style> elements of their own.
GRAPHIQL_CSP = (f"{_BASE}; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "font-src 'self' data:")


def ui_csp(media_origin: str | None) -> str:
    """The Timeline UI and the API: only MPR's own scripts and styles; media may come from
    the S3 origin that presigned links point to, or from the streaming player's MediaSource
    (a blob: URL)."""
    media = f"'self' {media_origin}" if media_origin else "'self'"
    return (f"{_BASE}; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"media-src {media} blob:; connect-src 'self'")


@cache
def admin_csp() -> str:
    """sqladmin: its own files, plus the one fixed inline script of its flash messages."""
    template = files("sqladmin").joinpath("templates/sqladmin/flash.html").read_text("utf-8")
    hashes = " ".join(f"'sha256-{_digest(body)}'"
                      for body in re.findall(r"<script>(.*?)</script>", template, re.S))
    return (f"{_BASE}; script-src 'self' {hashes}; style-src 'self'; "
            "style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:")


def _digest(script: str) -> str:
    return base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def media_origin(settings: Settings) -> str | None:
    """Where presigned media links point (the S3 endpoint), None for the filesystem store."""
    if settings.storage != "s3":
        return None
    endpoint = settings.s3_public_endpoint_url or settings.s3_endpoint_url
    if endpoint:
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}"
    return "https://*.amazonaws.com"


def security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A Litestar `before_send` hook adding the headers to every response, 404s included."""
    default = ui_csp(media_origin(settings))

    async def add(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        path = (scope.get("raw_path") or b"").decode("latin-1")  # mounts rewrite "path"
        message.setdefault("headers", [])
        headers = MutableScopeHeaders.from_message(message)
        policy = admin_csp() if path.startswith("/admin") else (
            GRAPHIQL_CSP if path == "/graphql" else default)
        for name, value in {**_COMMON, "Content-Security-Policy": policy}.items():
            if name not in headers:
                headers[name] = value

    return add
