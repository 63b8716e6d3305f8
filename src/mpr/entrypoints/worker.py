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
import subprocess
import sys
import threading
from concurrent.futures import Future
from types import FrameType
from typing import Any

from dramatiq import Worker
from dramatiq.asyncio import get_event_loop_thread

from mpr.adapters.queue.dramatiq_queue import DramatiqQueue, declare_actor
from mpr.adapters.queue.job_consumer import JobConsumer
from mpr.adapters.queue.redis_coordination import (
    LeaderLock,
    Reconciler,
    WorkerRegistry,
    listen_for_cancels,
)
from mpr.application.recover_jobs import reconcile_interval
from mpr.bootstrap import Services, build, prepared
from mpr.settings import Settings, SettingsError

log = logging.getLogger(__name__)
SHUTDOWN_GRACE = 3.0  # seconds running jobs get to finish after SIGTERM before hand-back
WORKER_TIMEOUT_MS = 100  # longest idle poll of Redis (Dramatiq backs off up to this)


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
    children = [subprocess.Popen(argv) for _ in range(processes)]

    def forward(signum: int, _: FrameType | None) -> None:
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return max(child.wait() for child in children)


def _serve(settings: Settings, threads: int) -> int:
    """One worker process: prepare the database, consume until a stop signal."""
    asyncio.run(_prepare(settings))
    services = build(settings)
    queue = services.queue
    if not isinstance(queue, DramatiqQueue):
        raise SettingsError(f"`mpr worker` needs the Dramatiq queue, not {type(queue).__name__}")
    consumer = JobConsumer(services.uow, services.run_job, queue)
    declare_actor(queue.broker, consumer)
    stop = _stop_event()
    worker = Worker(queue.broker, worker_threads=threads, worker_timeout=WORKER_TIMEOUT_MS)
    # no message held beyond the free threads: a busy worker must not hoard work an idle
    # worker elsewhere could start now (Dramatiq's default prefetch is twice the threads)
    worker.queue_prefetch = threads
    worker.start()
    loop = get_event_loop_thread().loop  # type: ignore[union-attr]
    background = asyncio.run_coroutine_threadsafe(_background(services, queue, consumer), loop)
    def on_cancel(job_id: str) -> None:
        loop.call_soon_threadsafe(consumer.cancel_local, job_id)

    stop_cancels = listen_for_cancels(queue.client, on_cancel)
    log.info("worker %s: %d thread(s) consuming", consumer.name, threads)
    while not stop.wait(1.0):
        pass
    log.info("worker %s: stopping", consumer.name)
    for thread in worker.workers:
        thread.stop()  # finish the current message, take no new one
    asyncio.run_coroutine_threadsafe(consumer.stop(SHUTDOWN_GRACE), loop).result()
    _cancel(background, loop)
    stop_cancels()
    worker.stop(timeout=int((SHUTDOWN_GRACE + 10) * 1000))
    return 0


async def _prepare(settings: Settings) -> None:
    """Migrate and seed once, before any worker process takes a message."""
    async with prepared(settings):
        pass


async def _background(services: Services, queue: DramatiqQueue, consumer: JobConsumer) -> None:
    """The registry key and the reconciler, for the life of the process."""
    timeout = services.settings.worker_heartbeat_timeout
    interval = reconcile_interval(timeout)
    lock = LeaderLock(queue.client, ttl=interval * 3)
    reconciler = Reconciler(services.recover_jobs, lock, interval)
    registry = WorkerRegistry(queue.client, consumer.name, lambda: consumer.running)
    await asyncio.gather(registry.run_forever(), reconciler.run_forever())


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
