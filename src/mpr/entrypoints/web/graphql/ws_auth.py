"""WebSocket authentication: a token in connection_init's payload replaces the cookie."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET, UnsetType

from mpr.entrypoints.web.auth import Credential, authenticate, bearer
from mpr.entrypoints.web.graphql.context import Context

C = TypeVar("C")
PAYLOAD_KEYS = ("token", "authorization", "Authorization")


def token_of(payload: dict[str, Any] | None) -> str | None:
    """The token of a payload {"token": T} or {"authorization": "Bearer T"}."""
    for key in PAYLOAD_KEYS:
        value = (payload or {}).get(key)
        if isinstance(value, str) and value.strip():
            return bearer(value) or value.strip()
    return None


async def on_ws_connect(_: Any, context: Context) -> UnsetType | dict[str, object] | None:
    token = token_of(context.connection_params)
    if token is None:
        return cast(UnsetType, UNSET)
    credential = Credential("token", token)
    caller = await authenticate(context.services.access, credential)
    if caller.refusal is not None:
        raise ConnectionRejectionError({"code": caller.refusal.code,
                                        "message": str(caller.refusal)})
    context.authenticated_as(credential, caller)
    return cast(UnsetType, UNSET)


def with_ws_auth(controller: type[C]) -> type[C]:
    """The GraphQL controller authenticating connection_init payloads."""
    return type(controller.__name__, (controller,), {"on_ws_connect": on_ws_connect})
