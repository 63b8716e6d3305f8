"""What `mpr worker` runs, wired: the consumer, Dramatiq's threads, Redis coordination."""

from __future__ import annotations

from dataclasses import dataclass

from mpr.adapters.ffmpeg.spawn import popen_child
from mpr.adapters.queue.dramatiq_queue import DramatiqQueue
from mpr.adapters.queue.dramatiq_worker import DramatiqConsumer
from mpr.adapters.queue.redis_coordination import (
    RedisCancelListener,
    RedisEpoch,
    RedisLeaderLock,
    WorkerRegistry,
)
from mpr.application.consume_jobs import JobConsumer
from mpr.application.reconcile import Reconciler
from mpr.application.recover_jobs import reconcile_interval
from mpr.bootstrap.services import Services, services_of, wire
from mpr.settings import Settings, SettingsError

__all__ = ["WorkerParts", "build_worker", "popen_child"]  # popen_child: the supervisor's


@dataclass(frozen=True, slots=True)
class WorkerParts:
    """One worker process: its services and what consumes, coordinates and cancels."""

    services: Services
    consumer: JobConsumer  # the actor's body: claims and runs jobs
    messages: DramatiqConsumer  # Dramatiq's threads delivering messages to the consumer
    reconciler: Reconciler  # recovery, on the leader only
    registry: WorkerRegistry  # this process's liveness key
    cancels: RedisCancelListener  # published cancels of running jobs


def build_worker(settings: Settings, threads: int) -> WorkerParts:
    """Wire a Dramatiq worker process (`mpr worker`) with `threads` message threads."""
    if settings.queue_backend != "dramatiq":
        raise SettingsError("`mpr worker` needs MPR_REDIS_URL (Dramatiq over Redis); without "
                            "it the embedded default runs workers inside `mpr serve`")
    root = wire(settings)
    services = services_of(root)
    queue: DramatiqQueue = root.infra.dramatiq_queue()
    consumer = JobConsumer(services.uow, services.run_job, services.queue)
    interval = reconcile_interval(settings.worker_heartbeat_timeout)
    reconciler = Reconciler(services.recover_jobs, RedisLeaderLock(queue.client, ttl=interval * 3),
                            RedisEpoch(queue.client), interval)
    registry = WorkerRegistry(queue.client, consumer.name, lambda: consumer.running)
    return WorkerParts(services, consumer, DramatiqConsumer(queue, threads), reconciler,
                       registry, RedisCancelListener(queue.client))
