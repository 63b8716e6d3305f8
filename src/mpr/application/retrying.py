"""Re-running a short transaction that lost an optimistic-locking race or met an outage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from mpr.domain.errors import ConcurrentUpdate, DatabaseError

T = TypeVar("T")
log = logging.getLogger(__name__)
# About a minute of waiting for the database to come back before giving up.
OUTAGE_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


async def on_concurrent_update(fn: Callable[[], Awaitable[T]], attempts: int = 5) -> T:
    """Run fn, again on fresh state while another writer keeps winning the race."""
    for _ in range(attempts - 1):
        try:
            return await fn()
        except ConcurrentUpdate:
            continue
    return await fn()


async def through_outage(fn: Callable[[], Awaitable[T]],
                         delays: Sequence[float] = OUTAGE_DELAYS) -> T:
    """Run fn, again after each delay while the database is unavailable; then let it fail."""
    for delay in delays:
        try:
            return await fn()
        except DatabaseError as e:
            log.warning("%s; trying again in %.1f s", e, delay)
            await asyncio.sleep(delay)
    return await fn()
