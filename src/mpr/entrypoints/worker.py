"""`mpr worker`: Dramatiq worker processes that claim jobs from the database and run ffmpeg.

Each process runs a Dramatiq `Worker` (M threads sharing one asyncio loop, via the AsyncIO
middleware), a worker-registry key, a cancel listener and a reconciler loop (only the
holder of the Redis leader lock acts). `--processes N` spawns N such processes.
SIGTERM/SIGINT: take no more messages, give running jobs SHUTDOWN_GRACE seconds, then hand
them back to pending with a fresh message. SIGKILL loses nothing: the reconciler requeues
the job once its heartbeat is older than MPR_WORKER_HEARTBEAT_TIMEOUT.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from concurrent.futures import Future
from types import FrameType
from typing import Any

from mpr.bootstrap import Services, WorkerParts, build_worker, prepared
from mpr.bootstrap.worker import popen_child
from mpr.domain.errors import MprError
from mpr.settings import Settings, SettingsError

log = logging.getLogger(__name__)
SHUTDOWN_GRACE = 3.0  # seconds running jobs get to finish after SIGTERM before hand-back
STAGING_SWEEP_INTERVAL = 60.0  # seconds


def run(settings: Settings, processes: int, threads: int) -> int:
    """Run the workers until SIGTERM/SIGINT; the exit code of the worst process."""
    if settings.queue_backend != "dramatiq":
        raise SettingsError("`mpr worker` needs MPR_REDIS_URL (Dramatiq over Redis); without "
                            "it the embedded default runs workers inside `mpr serve`")
    if processes < 1 or threads < 1:
        raise SettingsError("--processes and --threads must be at least 1")
    if processes > 1:
        return _supervise(processes, threads)
    return _serve(settings, threads)


def _supervise(processes: int, threads: int) -> int:
    """Start N single-process workers and forward stop signals to them."""
    argv = [sys.executable, "-m", "mpr.entrypoints.cli", "worker", "--processes", "1",
            "--threads", str(threads)]
    # a killed supervisor's workers get SIGTERM: they hand their jobs back and stop
    children = [popen_child(argv, "TERM") for _ in range(processes)]

    def forward(signum: int, _: FrameType | None) -> None:
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return max(child.wait() for child in children)


def _serve(settings: Settings, threads: int) -> int:
    """One worker process: prepare the database, consume until a stop signal."""
    asyncio.run(_prepare(settings))
    parts = build_worker(settings, threads)
    consumer = parts.consumer
    parts.services.load_job_runtime()
    stop = _stop_event()
    loop = parts.messages.start(consumer)
    background = asyncio.run_coroutine_threadsafe(_background(parts), loop)
    def on_cancel(job_id: str) -> None:
        loop.call_soon_threadsafe(consumer.cancel_local, job_id)

    stop_cancels = parts.cancels.listen(on_cancel)
    log.info("worker %s: %d thread(s) consuming", consumer.name, threads)
    while not stop.wait(1.0):
        pass
    log.info("worker %s: stopping", consumer.name)
    parts.messages.stop_taking()  # finish the current message, take no new one
    asyncio.run_coroutine_threadsafe(consumer.stop(SHUTDOWN_GRACE), loop).result()
    _cancel(background, loop)
    stop_cancels()
    parts.messages.stop(SHUTDOWN_GRACE + 10, last=parts.services.close)
    return 0


async def _prepare(settings: Settings) -> None:
    """Migrate and seed once, before any worker process takes a message."""
    async with prepared(settings):
        pass


async def _background(parts: WorkerParts) -> None:
    """The registry key and the reconciler, for the life of the process."""
    await asyncio.gather(parts.registry.run_forever(), parts.reconciler.run_forever(),
                         _sweep_forever(parts.services))


async def _sweep_forever(services: Services) -> None:
    """Remove staging files of killed or superseded attempts, at start and every minute."""
    while True:
        try:
            await services.sweep_staging()
        except MprError as e:
            log.warning("staging sweep failed: %s", e)
        await asyncio.sleep(STAGING_SWEEP_INTERVAL)


def _cancel(future: Future[Any], loop: asyncio.AbstractEventLoop) -> None:
    """Cancel a coroutine running on the loop and wait briefly for its cleanup."""
    loop.call_soon_threadsafe(future.cancel)
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    done.wait(5)


def _stop_event() -> threading.Event:
    event = threading.Event()

    def on_signal(signum: int, _: FrameType | None) -> None:
        event.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return event
