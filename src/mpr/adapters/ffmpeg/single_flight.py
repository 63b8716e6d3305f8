"""One run per key at a time, shared by every caller that asks for the key meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Callers asking for a key whose run is going await that run instead of starting
    another; a caller that leaves (is cancelled) stops only itself, not the run."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[T]] = {}

    async def run(self, key: str, start: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """The result of the key's run, started by `start()` if none is going."""
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(start())
            self._running[key] = task
            task.add_done_callback(self._ended)
        return await asyncio.shield(task)

    def _ended(self, task: asyncio.Task[T]) -> None:
        self._running = {k: t for k, t in self._running.items() if t is not task}
        if not task.cancelled():
            task.exception()  # seen, even when every caller left before the run ended
