"""The JobQueue port on Dramatiq's Redis broker, for `mpr worker` processes.

Design (priority, duplicates): Dramatiq's Redis broker has no per-message priority, so a
message only means "work is available". The worker that receives one asks the database
for the highest-priority pending jobs and runs the first it can claim (the application's
`JobConsumer`). So the message carries only the job id, not the spec `dispatch` is given:
the worker must read the job anyway to claim it and to check it still owns it.
Higher-priority jobs therefore start first whatever order the messages come in, and a
duplicate or stale delivery finds nothing to claim and does nothing. Each dispatch sends
one message, so there are never fewer messages than pending jobs.

The message id is stored as the job's taskId; `mpr:task:<message id>` maps it to the id
Dramatiq gave the message in Redis so that `dispatch` of a job whose message is still
queued or in flight sends nothing, and a job whose message was lost (Redis restarted or
flushed) is sent again by the reconciler. Cancel is published on `mpr:cancel`; workers
also notice it at their next heartbeat (a short poll). Nothing is built at import time:
`make_broker` sets the global broker, and actors are declared by `declare_actor` after it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, AsyncIO, Retries

from mpr.domain.errors import QueueError
from mpr.domain.job import TranscodeJob
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.ports import Dispatch, QueueStats

log = logging.getLogger(__name__)
T = TypeVar("T")

NAMESPACE = "mpr-dramatiq"
QUEUE_NAME = "mpr-jobs"
ACTOR_NAME = "mpr_run_job"
TASK_PREFIX = "mpr:task:"
WORKERS_PREFIX = "mpr:workers:"
CANCEL_CHANNEL = "mpr:cancel"
TASK_TTL_S = 7 * 24 * 3600
# out of a million broker commands; maintenance requeues messages of dead Dramatiq workers
MAINTENANCE_CHANCE = 20_000


def make_broker(redis_url: str, heartbeat_timeout: float) -> RedisBroker:
    """The Redis broker, set as Dramatiq's global broker; declare actors after this."""
    broker = RedisBroker(  # type: ignore[no-untyped-call]
                         url=redis_url, namespace=NAMESPACE,
                         middleware=[AgeLimit(), Retries(max_retries=0), AsyncIO()],
                         heartbeat_timeout=int(max(heartbeat_timeout, 5.0) * 1000),
                         maintenance_chance=MAINTENANCE_CHANCE)
    dramatiq.set_broker(broker)
    broker.declare_queue(QUEUE_NAME)
    return broker


def declare_actor(broker: RedisBroker, handler: Callable[[str], Awaitable[None]]) -> Any:
    """Declare the job actor (worker side); the queue's DB-backed retries replace Dramatiq's."""
    async def run_job(job_id: str) -> None:
        await handler(job_id)

    decorate = dramatiq.actor(actor_name=ACTOR_NAME, queue_name=QUEUE_NAME, broker=broker,
                              max_retries=0)
    return decorate(run_job)


class DramatiqQueue:
    """Dispatch jobs as Dramatiq messages; live workers and depth are read from Redis."""

    def __init__(self, redis_url: str, heartbeat_timeout: float) -> None:
        self.broker = make_broker(redis_url, heartbeat_timeout)
        self.client: redis.Redis = self.broker.client

    async def dispatch(self, spec: TranscodeSpec, priority: int = 0,
                       previous: Dispatch | None = None) -> Dispatch:
        """One "work is available" message (priority is the database's business, above)."""
        task_id = await _off_loop(self._dispatch, spec.job_id,
                                  previous.task_id if previous else None)
        return Dispatch(task_id=task_id)

    def _dispatch(self, job_id: uuid.UUID, task_id: str | None) -> str:
        if task_id and self._message_alive(task_id):
            return task_id
        message: dramatiq.Message[None] = dramatiq.Message(
            queue_name=QUEUE_NAME, actor_name=ACTOR_NAME, args=(str(job_id),), kwargs={},
            options={})
        sent = self.broker.enqueue(message)
        self.client.set(TASK_PREFIX + sent.message_id, sent.options["redis_message_id"],
                        ex=TASK_TTL_S)
        return str(sent.message_id)

    def _message_alive(self, task_id: str) -> bool:
        """True while the job's message is queued or held by a worker (not acked, not lost)."""
        redis_id = self.client.get(TASK_PREFIX + task_id)
        messages = f"{NAMESPACE}:{QUEUE_NAME}.msgs"
        return redis_id is not None and bool(self.client.hexists(messages, redis_id))

    async def cancel(self, job: TranscodeJob) -> None:
        await _off_loop(self.client.publish, CANCEL_CHANNEL, str(job.id))

    async def check(self) -> None:
        await _off_loop(self.client.ping)

    async def close(self) -> None:
        """Close the broker and its Redis connection pool (the process is done with them)."""
        self.broker.close()
        self.client.close()
        self.client.connection_pool.disconnect()

    async def stats(self) -> QueueStats:
        return await _off_loop(self._stats)

    def _stats(self) -> QueueStats:
        depth = int(self.client.llen(f"{NAMESPACE}:{QUEUE_NAME}"))
        keys = list(self.client.scan_iter(match=WORKERS_PREFIX + "*", count=500))
        running = [int(v) for v in self.client.mget(keys) if v is not None] if keys else []
        return QueueStats(depth=depth, workers=len(running), running=sum(running))


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Run a blocking Redis call in a thread; Redis errors become QueueError."""
    try:
        return await asyncio.to_thread(fn, *args)
    except redis.RedisError as e:
        raise QueueError(f"Redis: {e}") from e
