"""Every GraphQL field names the permission it needs; the application policy decides."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from functools import cache
from typing import Any, TypeVar

from strawberry.permission import BasePermission

from mpr.application.authorization import Permission
from mpr.application.recording import act_as
from mpr.entrypoints.web.auth import require
from mpr.entrypoints.web.graphql.context import Info
from mpr.entrypoints.web.graphql.rechecks import RECHECKS

T = TypeVar("T")
RECHECK_SECONDS = 2.0  # how soon an open subscription notices a revoked or expired credential


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
                        updates: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """Pass updates on while the caller's credential stays valid and allowed; checked again
    every RECHECK_SECONDS, so a revoked token ends the subscription with UNAUTHENTICATED."""
    watcher = asyncio.ensure_future(_watch(info, permission))
    iterator = aiter(updates)
    try:
        while True:
            step = asyncio.ensure_future(anext(iterator))
            await asyncio.wait({step, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if watcher.done():
                step.cancel()
                watcher.result()  # raises the refusal
            try:
                item = step.result()
            except StopAsyncIteration:
                return
            yield item
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watcher


async def _watch(info: Info, permission: Permission) -> None:
    context = info.context
    credential = context.credential
    while True:
        await asyncio.sleep(RECHECK_SECONDS)
        caller = await RECHECKS.caller(context.services.access, credential)
        require(context.services.access, caller, permission)
