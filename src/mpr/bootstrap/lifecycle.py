"""One mechanism for what a process starts and stops: lists of hooks the root collects.

The containers build a `Lifecycle` from the settings (a `providers.Selector` picks each
adapter's hooks), so no code asks what type an adapter is to know how to start or close it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

log = logging.getLogger(__name__)
Hook = Callable[[], Awaitable[None]]


class Lifecycle:
    """prepare: every process, before it serves; start: a process that runs jobs itself;
    close: every process on the way out, in order, each hook even when one before failed."""

    def __init__(self, prepare: Sequence[Hook], start: Sequence[Hook],
                 close: Sequence[Hook]) -> None:
        self._prepare, self._start, self._close = list(prepare), list(start), list(close)

    async def prepare(self) -> None:
        for step in self._prepare:
            await step()

    async def start(self) -> None:
        for step in self._start:
            await step()

    async def close(self) -> None:
        for step in self._close:
            try:
                await step()
            except Exception:
                log.exception("closing %s failed; closing the rest", _name(step))


def hook(fn: Callable[..., Awaitable[object]], *args: object) -> Hook:
    """A hook that awaits fn(*args) when run."""
    async def run() -> None:
        await fn(*args)
    return run


def blocking(fn: Callable[..., object], *args: object) -> Hook:
    """A hook that calls the plain (quick) function fn(*args) when run."""
    async def run() -> None:
        fn(*args)
    return run


def each(*hooks: Hook) -> Hook:
    """One hook running several in order."""
    async def run() -> None:
        for step in hooks:
            await step()
    return run


async def nothing() -> None:
    """The hook of an adapter with nothing to do at that point."""


def _name(step: Hook) -> str:
    return getattr(step, "__qualname__", repr(step))
