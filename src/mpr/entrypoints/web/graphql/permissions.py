"""Every GraphQL field names the permission it needs; the application policy decides."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from strawberry.permission import BasePermission

from mpr.application.authorization import Permission
from mpr.application.recording import act_as
from mpr.entrypoints.web.auth import require
from mpr.entrypoints.web.graphql.context import Info
from mpr.entrypoints.web.graphql.rechecks import RECHECK_SECONDS, WATCHES

__all__ = ["RECHECK_SECONDS", "Requires", "guard", "requires", "still_allowed"]
T = TypeVar("T")


class Requires(BasePermission):
    """Base of the per-permission classes made by `requires`."""

    permission: Permission

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Ask the policy; the allowed caller is who the field's use case acts for."""
        caller = await info.context.caller()
        principal = require(info.context.services.access, caller, self.permission)
        act_as(principal.actor)
        return True


@cache
def requires(permission: Permission) -> type[Requires]:
    """The permission class for `permission_classes=[requires(Permission.X)]`."""
    return type(f"Requires_{permission.value}", (Requires,), {"permission": permission})


def guard(permission: Permission) -> dict[str, Any]:
    """Field keyword arguments that make the field need `permission`."""
    return {"permission_classes": [requires(permission)]}


async def still_allowed(info: Info, permission: Permission,
                        updates: AsyncGenerator[T, None]) -> AsyncGenerator[T, None]:
    """Pass updates on while the caller's credential stays valid and allowed; checked again
    every RECHECK_SECONDS (one check for all subscriptions of a credential), so a revoked
    token ends the subscription with UNAUTHENTICATED.

    One task reads `updates` for the whole subscription (none per update); the refusal and
    the updates meet in one queue."""
    context = info.context
    inbox: asyncio.Queue[_Item[T]] = asyncio.Queue()
    pump = asyncio.create_task(_pump(updates, inbox), name="mpr-subscription-pump")
    try:
        with WATCHES.watching(context.services.access, context.credential, permission,
                              lambda e: inbox.put_nowait(_Item(error=e, last=True))):
            while True:
                item = await inbox.get()
                if item.error is not None:
                    raise item.error
                if item.last:
                    return
                yield item.value  # type: ignore[misc]  # not last: a value
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump


@dataclass(frozen=True, slots=True)
class _Item(Generic[T]):
    value: T | None = None
    error: Exception | None = None
    last: bool = False


async def _pump(updates: AsyncGenerator[T, None], inbox: asyncio.Queue[_Item[T]]) -> None:
    async with contextlib.aclosing(updates):
        try:
            async for update in updates:
                inbox.put_nowait(_Item(update))
        except Exception as e:
            inbox.put_nowait(_Item(error=e, last=True))
            return
    inbox.put_nowait(_Item(last=True))
