"""The consuming side of the Dramatiq queue: the job actor and Dramatiq's worker threads."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from dramatiq import Middleware, Worker
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import AsyncIO

from mpr.adapters.queue.dramatiq_queue import DramatiqQueue, declare_actor

WORKER_TIMEOUT_MS = 100  # longest idle poll of Redis (Dramatiq backs off up to this)
LAST_WORDS_TIMEOUT = 15.0  # seconds the shutdown hook may take on the loop


class DramatiqConsumer:
    """Dramatiq worker threads calling one handler per message, on one shared asyncio loop."""

    def __init__(self, queue: DramatiqQueue, threads: int) -> None:
        self._queue, self._threads = queue, threads
        self._worker: Worker | None = None
        self._last_words = _LastWords()

    def start(self, handler: Callable[[str], Awaitable[None]]) -> asyncio.AbstractEventLoop:
        """Declare the job actor, start consuming; the loop the handler runs on."""
        broker = self._queue.broker
        declare_actor(broker, handler)
        broker.add_middleware(self._last_words, after=AsyncIO)  # its after-hooks run first
        worker = Worker(broker, worker_threads=self._threads, worker_timeout=WORKER_TIMEOUT_MS)
        # no message held beyond the free threads: a busy worker must not hoard work an idle
        # worker elsewhere could start now (Dramatiq's default prefetch is twice the threads)
        worker.queue_prefetch = self._threads
        worker.start()
        self._worker = worker
        loop: asyncio.AbstractEventLoop = get_event_loop_thread().loop  # type: ignore[union-attr]
        return loop

    def stop_taking(self) -> None:
        """Finish the current messages, take no new one."""
        for thread in self._worker.workers if self._worker else ():
            thread.stop()

    def stop(self, timeout: float, last: Callable[[], Awaitable[None]]) -> None:
        """Stop the threads (waiting at most timeout s), then run `last` on the loop before
        Dramatiq stops it (what is bound to the loop, such as database pools, closes there)."""
        if self._worker is None:
            return
        self._last_words.hook = last
        self._worker.stop(timeout=int(timeout * 1000))


class _LastWords(Middleware):
    """Runs a hook on Dramatiq's loop after its threads stopped, before the loop stops."""

    def __init__(self) -> None:
        self.hook: Callable[[], Awaitable[None]] | None = None

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        thread = get_event_loop_thread()
        if self.hook is not None and thread is not None:
            asyncio.run_coroutine_threadsafe(_call(self.hook), thread.loop).result(
                timeout=LAST_WORDS_TIMEOUT)


async def _call(hook: Callable[[], Awaitable[None]]) -> None:
    await hook()
