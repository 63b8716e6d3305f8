"""Subscriptions that would receive the same payloads share one source of them.

A group is keyed by everything its payloads depend on (for jobUpdates: the document, the
operation name, the variables and the caller's role). Its source, started by the first
member and stopped when the last leaves, resolves and serialises each update once; every
member gets the same item in its own inbox, in order, and a member who joins late gets the
latest item first (the job now), as a subscriber of its own would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class End:
    """The group's source is exhausted: no more items for its members."""


END = End()
Source = Callable[[], AsyncIterator[Item]]


@dataclass(eq=False)
class _Group(Generic[Item]):
    inboxes: list[asyncio.Queue[Item | End]] = field(default_factory=list)
    latest: Item | None = None
    task: asyncio.Task[None] | None = None


class FanOut(Generic[Item]):
    """Groups of subscriptions, each fed by one run of its source."""

    def __init__(self) -> None:
        self._groups: dict[Hashable, _Group[Item]] = {}

    @property
    def groups(self) -> int:
        """How many groups are open now."""
        return len(self._groups)

    def members(self, key: Hashable) -> int:
        """How many subscriptions the group of `key` has now."""
        group = self._groups.get(key)
        return len(group.inboxes) if group is not None else 0

    @contextlib.asynccontextmanager
    async def member(self, key: Hashable, source: Source[Item]
                     ) -> AsyncIterator[asyncio.Queue[Item | End]]:
        """An inbox of the group of `key` (its source started by the first member), ending
        with END when the source ends; leaving the last member stops the source."""
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group()
            group.task = asyncio.create_task(self._feed(key, group, source),
                                             name="mpr-fanout-group")
        inbox: asyncio.Queue[Item | End] = asyncio.Queue()
        if group.latest is not None:
            inbox.put_nowait(group.latest)
        group.inboxes.append(inbox)
        try:
            yield inbox
        finally:
            await self._leave(key, group, inbox)

    async def _leave(self, key: Hashable, group: _Group[Item],
                     inbox: asyncio.Queue[Item | End]) -> None:
        group.inboxes.remove(inbox)
        if group.inboxes:
            return
        if self._groups.get(key) is group:
            del self._groups[key]
        if group.task is not None and not group.task.done():
            group.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await group.task

    async def _feed(self, key: Hashable, group: _Group[Item], source: Source[Item]) -> None:
        try:
            async for item in source():
                group.latest = item
                for inbox in group.inboxes:
                    inbox.put_nowait(item)
        except asyncio.CancelledError:
            raise
        except Exception:  # the source maps its own errors to items; this is a bug
            log.exception("a subscription group's source failed")
        if self._groups.get(key) is group:
            del self._groups[key]  # a member joining from now on starts a new group
        for inbox in group.inboxes:
            inbox.put_nowait(END)
