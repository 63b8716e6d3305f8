"""What Dramatiq workers share through Redis besides messages: liveness, leadership, cancels."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

import redis

from mpr.adapters.queue.dramatiq_queue import CANCEL_CHANNEL, WORKERS_PREFIX
from mpr.domain.errors import QueueError

log = logging.getLogger(__name__)
T = TypeVar("T")
REGISTRY_INTERVAL = 2.0  # seconds between refreshes of a worker's registry key
LEADER_KEY = "mpr:reconciler"
EPOCH_KEY = "mpr:epoch"  # set once; its absence means Redis lost its data
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


class RedisLeaderLock:
    """The LeaderLock port as `SET key NX PX`: a dead holder's lock expires after ttl."""

    def __init__(self, client: redis.Redis, ttl: float, key: str = LEADER_KEY) -> None:
        self._key, self._ttl_ms, self._me = key, int(ttl * 1000), uuid.uuid4().hex
        self._script = client.register_script(_ACQUIRE)

    async def acquire(self) -> bool:
        return await _redis_call(self._acquire)

    def _acquire(self) -> bool:
        return bool(self._script(keys=[self._key], args=[self._me, self._ttl_ms]))


class RedisEpoch:
    """The QueueEpoch port: a sentinel key set once; Redis lost its data when it is gone."""

    def __init__(self, client: redis.Redis, key: str = EPOCH_KEY) -> None:
        self._client, self._key = client, key

    async def lost_data(self) -> bool:
        return await _redis_call(self._set_sentinel)

    def _set_sentinel(self) -> bool:
        return bool(self._client.set(self._key, "1", nx=True))


class RedisCancelListener:
    """Published cancels of jobs, delivered to a callback from a thread of its own."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def listen(self, on_cancel: Callable[[str], None]) -> Callable[[], None]:
        """Call on_cancel(job_id) for each published cancel; returns a stopper."""
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        pubsub.subscribe(**{CANCEL_CHANNEL: lambda m: on_cancel(m["data"].decode())})
        thread = pubsub.run_in_thread(sleep_time=0.2, daemon=True,
                                      exception_handler=_pubsub_error)
        stop: Callable[[], None] = thread.stop
        return stop


def _pubsub_error(error: BaseException, pubsub: object, thread: object) -> None:
    log.warning("cancel listener: %s; reconnecting", error)
    threading.Event().wait(1.0)


async def _redis_call(fn: Callable[[], T]) -> T:
    """A Redis call off the loop; Redis errors become QueueError."""
    try:
        return await asyncio.to_thread(fn)
    except redis.RedisError as e:
        raise QueueError(f"Redis: {e}") from e


async def _quietly(fn: Callable[..., object], *args: object) -> object:
    """A Redis call off the loop; an outage is logged, not raised (it retries next round)."""
    try:
        return await asyncio.to_thread(fn, *args)
    except redis.RedisError as e:
        log.warning("redis: %s", e)
        return None
