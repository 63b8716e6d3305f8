"""Health of every component MPR depends on."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from mpr.domain.errors import MprError
from mpr.domain.ports import HealthCheck, JobQueue, QueueStats

CHECK_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class ComponentHealth:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class SystemStatusReport:
    status: str  # "ok" or "degraded"
    version: str
    executor: str
    components: tuple[ComponentHealth, ...]
    queue: QueueStats | None


class SystemStatus:
    """Check each component concurrently, each within a few seconds."""

    def __init__(self, checks: Mapping[str, HealthCheck], queue: JobQueue, version: str,
                 executor: str, details: Mapping[str, str]) -> None:
        self._checks, self._queue = checks, queue
        self._version, self._executor, self._details = version, executor, details

    async def __call__(self) -> SystemStatusReport:
        names = list(self._checks)
        results = await asyncio.gather(*(self._check(n) for n in names))
        try:
            stats: QueueStats | None = await asyncio.wait_for(self._queue.stats(), CHECK_TIMEOUT)
        except (MprError, TimeoutError):
            stats = None
        ok = all(r.ok for r in results)
        return SystemStatusReport(status="ok" if ok else "degraded", version=self._version,
                                  executor=self._executor, components=tuple(results),
                                  queue=stats)

    async def _check(self, name: str) -> ComponentHealth:
        detail = self._details.get(name, "")
        try:
            await asyncio.wait_for(self._checks[name].check(), CHECK_TIMEOUT)
        except TimeoutError:
            return ComponentHealth(name, False, f"{detail}: no answer in {CHECK_TIMEOUT:.0f} s")
        except MprError as e:
            return ComponentHealth(name, False, f"{detail}: {e}")
        return ComponentHealth(name, True, detail)
