"""Who a web request comes from: a bearer token, or the session cookie of the UI/admin."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from mpr.application.access import Access
from mpr.application.authorization import ANONYMOUS, Permission, Principal
from mpr.domain.errors import InfrastructureError, MprError, Unauthenticated
from mpr.settings import Settings

SESSION_COOKIE = "mpr_session"


@dataclass(frozen=True, slots=True)
class Credential:
    """What a caller presented: an API token or a session id (kept to check it again)."""

    kind: str  # "token" or "session"
    secret: str


@dataclass(frozen=True, slots=True)
class Caller:
    """The principal behind a request, or why its credential was refused."""

    principal: Principal = ANONYMOUS
    credential: Credential | None = None
    refusal: MprError | None = None  # Unauthenticated, or DatabaseError when it is down


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def credential_of(headers: Mapping[str, str], cookies: Mapping[str, str]) -> Credential | None:
    """A bearer token wins over the session cookie."""
    token = bearer(headers.get("authorization"))
    if token:
        return Credential("token", token)
    session = cookies.get(SESSION_COOKIE)
    return Credential("session", session) if session else None


async def authenticate(access: Access, credential: Credential | None) -> Caller:
    """The caller a credential proves; a refused credential leaves the caller anonymous."""
    if credential is None:
        return Caller()
    try:
        if credential.kind == "token":
            principal = await access.authenticator.token(credential.secret)
        else:
            principal = await access.authenticator.session(credential.secret)
    except (Unauthenticated, InfrastructureError) as e:
        return Caller(credential=credential, refusal=e)
    return Caller(principal, credential)


def require(access: Access, caller: Caller, permission: Permission) -> Principal:
    """The caller's principal if the policy allows; its credential's refusal comes first."""
    if caller.refusal is not None:
        raise caller.refusal
    access.policy.require(caller.principal, permission)
    return caller.principal


def csrf_token(access: Access, session_id: str) -> str:
    """The CSRF token of a session: an HMAC of its id with the server secret."""
    return hmac.new(access.secret, f"csrf\0{session_id}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(access: Access, session_id: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(access, session_id), str(given))


def client_address(settings: Settings, peer: str | None, headers: Mapping[str, str]) -> str:
    """The client's address: the peer, or X-Forwarded-For's last hop when the peer is a
    trusted proxy."""
    peer = peer or "unknown"
    forwarded = headers.get("x-forwarded-for")
    if forwarded and settings.is_trusted_proxy(peer):
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        untrusted = [h for h in hops if not settings.is_trusted_proxy(h)]
        return untrusted[-1] if untrusted else peer
    return peer


def is_https(settings: Settings, scheme: str, peer: str | None,
             headers: Mapping[str, str]) -> bool:
    """Served over https, directly or behind a trusted proxy that says so."""
    if scheme in ("https", "wss"):
        return True
    proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https" and settings.is_trusted_proxy(peer)
