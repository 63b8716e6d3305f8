"""Re-running a short transaction that lost an optimistic-locking race."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from mpr.domain.errors import ConcurrentUpdate

T = TypeVar("T")


async def on_concurrent_update(fn: Callable[[], Awaitable[T]], attempts: int = 5) -> T:
    """Run fn, again on fresh state while another writer keeps winning the race."""
    for _ in range(attempts - 1):
        try:
            return await fn()
        except ConcurrentUpdate:
            continue
    return await fn()
