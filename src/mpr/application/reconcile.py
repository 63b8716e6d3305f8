"""The reconciler loop of the job workers: recovery runs on one leader at a time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable

from mpr.application.recover_jobs import RecoverJobs
from mpr.domain.errors import InfrastructureError, MprError
from mpr.domain.worker_ports import LeaderLock, QueueEpoch

log = logging.getLogger(__name__)
FULL_PASS_EVERY = 60.0  # seconds between re-dispatches of every pending job


class Reconciler:
    """Run RecoverJobs every interval, only while holding the leader lock.

    Stale workers are looked for every interval. Every pending job is dispatched again (a
    query per job) only when the queue's store lost its data (restart or flush) and every
    FULL_PASS_EVERY seconds as a safety net; in between, only the jobs requeued from a lost
    worker are dispatched.
    """

    def __init__(self, recover: RecoverJobs, lock: LeaderLock, epoch: QueueEpoch,
                 interval: float) -> None:
        self._recover, self._lock, self._epoch, self._interval = recover, lock, epoch, interval
        self._last_full_pass = -FULL_PASS_EVERY

    async def run_forever(self) -> None:
        """Reconcile now (recovers what a queue flush lost), then every interval."""
        while True:
            if await _quietly(self._lock.acquire()):
                await self.run_once()
            await asyncio.sleep(self._interval)

    async def run_once(self) -> None:
        full = await _quietly(self._epoch.lost_data())
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


async def _quietly(answer: Awaitable[bool]) -> bool:
    """A coordination answer; an outage is logged and counts as no (it retries next round)."""
    try:
        return await answer
    except InfrastructureError as e:
        log.warning("redis: %s", e)
        return False
