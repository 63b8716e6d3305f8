"""What Dramatiq workers share through Redis besides messages: liveness, leadership, cancels."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable

import redis

from mpr.adapters.queue.dramatiq_queue import CANCEL_CHANNEL, WORKERS_PREFIX
from mpr.application.recover_jobs import RecoverJobs
from mpr.domain.errors import MprError

log = logging.getLogger(__name__)
REGISTRY_INTERVAL = 2.0  # seconds between refreshes of a worker's registry key
LEADER_KEY = "mpr:reconciler"
EPOCH_KEY = "mpr:epoch"  # set once; its absence means Redis lost its data
FULL_PASS_EVERY = 60.0  # seconds between re-dispatches of every pending job
# take the lock if it is free, or extend it if we hold it; 1 when we hold it afterwards
_ACQUIRE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""


class WorkerRegistry:
    """A TTL key per worker process holding how many jobs it runs; expired means dead."""

    def __init__(self, client: redis.Redis, name: str, running: Callable[[], int]) -> None:
        self._client, self._key, self._running = client, WORKERS_PREFIX + name, running

    async def run_forever(self) -> None:
        """Refresh the key until cancelled, then remove it."""
        try:
            while True:
                await _quietly(self._refresh)
                await asyncio.sleep(REGISTRY_INTERVAL)
        finally:
            await _quietly(self._client.delete, self._key)


    def _refresh(self) -> None:
        self._client.set(self._key, self._running(), px=int(REGISTRY_INTERVAL * 3 * 1000))


class LeaderLock:
    """`SET key NX PX`: one holder at a time; a dead holder's lock expires after ttl."""

    def __init__(self, client: redis.Redis, ttl: float, key: str = LEADER_KEY) -> None:
        self.client, self._key = client, key
        self._ttl_ms, self._me = int(ttl * 1000), uuid.uuid4().hex
        self._script = client.register_script(_ACQUIRE)

    def acquire(self) -> bool:
        """True when this instance holds the lock for the next ttl."""
        return bool(self._script(keys=[self._key], args=[self._me, self._ttl_ms]))


class Reconciler:
    """Run RecoverJobs every interval, only while holding the leader lock.

    Stale workers are looked for every interval. Every pending job is dispatched again (a
    query per job) only when Redis lost its data (the EPOCH_KEY sentinel is gone: restart
    or flush) and every FULL_PASS_EVERY seconds as a safety net; in between, only the jobs
    requeued from a lost worker are dispatched.
    """

    def __init__(self, recover: RecoverJobs, lock: LeaderLock, interval: float) -> None:
        self._recover, self._lock, self._interval = recover, lock, interval
        self._client = lock.client
        self._last_full_pass = -FULL_PASS_EVERY

    async def run_forever(self) -> None:
        """Reconcile now (recovers what a Redis flush lost), then every interval."""
        while True:
            if await _quietly(self._lock.acquire):
                await self.run_once()
            await asyncio.sleep(self._interval)

    async def run_once(self) -> None:
        full = bool(await _quietly(self._redis_lost_data))
        full = full or time.monotonic() - self._last_full_pass >= FULL_PASS_EVERY
        try:
            result = await self._recover(redispatch_pending=full)
        except MprError as e:
            log.warning("reconciler: %s", e)
            return
        if full:
            self._last_full_pass = time.monotonic()
        if result.requeued or result.failed or full:
            log.info("reconciler (%s pass): %s", "full" if full else "quick", result)


    def _redis_lost_data(self) -> bool:
        """True the first time after Redis started empty (sets the sentinel)."""
        return bool(self._client.set(EPOCH_KEY, "1", nx=True))


def listen_for_cancels(client: redis.Redis, on_cancel: Callable[[str], None]
                       ) -> Callable[[], None]:
    """Call on_cancel(job_id) from a thread for each published cancel; returns a stopper."""
    pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    pubsub.subscribe(**{CANCEL_CHANNEL: lambda m: on_cancel(m["data"].decode())})
    thread = pubsub.run_in_thread(sleep_time=0.2, daemon=True,
                                  exception_handler=_pubsub_error)
    stop: Callable[[], None] = thread.stop
    return stop


def _pubsub_error(error: BaseException, pubsub: object, thread: object) -> None:
    log.warning("cancel listener: %s; reconnecting", error)
    threading.Event().wait(1.0)


async def _quietly(fn: Callable[..., object], *args: object) -> object:
    """A Redis call off the loop; an outage is logged, not raised (it retries next round)."""
    try:
        return await asyncio.to_thread(fn, *args)
    except redis.RedisError as e:
        log.warning("redis: %s", e)
        return None
