"""Ports of the shared coordination between job workers (leadership, queue-store loss)."""

from __future__ import annotations

from typing import Protocol


class LeaderLock(Protocol):
    """One holder at a time across every worker process; a dead holder's lock expires."""

    async def acquire(self) -> bool:
        """True when this process holds the lock for the next ttl (taking or extending it);
        QueueError when the lock's store cannot be reached."""
        ...


class QueueEpoch(Protocol):
    """Tells whether the queue's store lost its data (restarted empty or flushed)."""

    async def lost_data(self) -> bool:
        """True the first time it is asked after the store started empty; QueueError when
        the store cannot be reached."""
        ...
