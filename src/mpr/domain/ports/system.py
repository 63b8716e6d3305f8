"""Ports of the running system: the clock and health checks."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for intervals."""
        ...


class HealthCheck(Protocol):
    async def check(self) -> None:
        """Return when the component answers; raise InfrastructureError when it does not."""
        ...
