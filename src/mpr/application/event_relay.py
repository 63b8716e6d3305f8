"""Hand the events other processes publish to this process's handlers (API servers)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from mpr.domain.events import DomainEvent
from mpr.domain.ports import EventChannel

log = logging.getLogger(__name__)
E = TypeVar("E", bound=DomainEvent)


async def relay(channel: EventChannel, kind: type[E],
                handler: Callable[[E], Awaitable[None]]) -> None:
    """Until cancelled: every event of that kind heard on the channel goes to the handler."""
    async for event in channel.listen():
        if isinstance(event, kind):
            try:
                await handler(event)
            except Exception:
                log.exception("handler %r failed on %s", handler, event.kind)
