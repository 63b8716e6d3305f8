"""The in-process message bus: handlers subscribe to kinds of domain events.

The unit of work hands it the events of a committed transaction; each handler of an event's
class (or of a base class such as JobEvent) is awaited in turn. A failing handler is logged
and the others still run: the transaction is committed, its outcome stands."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from mpr.domain.events import DomainEvent

log = logging.getLogger(__name__)
E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[DomainEvent], Awaitable[None]]


class MessageBus:
    """Handlers by event class; `publish` runs the handlers of each event's class and bases."""

    def __init__(self) -> None:
        self._handlers: list[tuple[type[DomainEvent], Handler]] = []

    def subscribe(self, kind: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        """Call handler with every published event that is an instance of kind."""
        self._handlers.append((kind, handler))  # type: ignore[arg-type]  # guarded by kind

    async def publish(self, events: Iterable[DomainEvent]) -> None:
        """Hand every event to its handlers, in order; handler errors are logged."""
        for event in events:
            for kind, handler in self._handlers:
                if isinstance(event, kind):
                    await self._call(handler, event)

    @staticmethod
    async def _call(handler: Handler, event: DomainEvent) -> None:
        try:
            await handler(event)
        except Exception:
            log.exception("handler %r failed on %s", handler, event.kind)
