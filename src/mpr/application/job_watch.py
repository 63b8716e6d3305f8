"""Follow jobs as they change: one database read per job event, however many watch it.

The database is the truth whichever process runs a job (in-process, Dramatiq or Lambda):
a job event (`notify`, fed by the message bus or by the process's one event listener) only
says "read this job again". Every subscriber of a job shares one reader: it starts with the
first subscriber, reads the job at once, then on each event for it and, as a safety net for
a lost event, every `interval` seconds; it stops when the last subscriber leaves or the job
ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field

from mpr.domain.events import JobEvent
from mpr.domain.job import TranscodeJob

Load = Callable[[str], Awaitable[TranscodeJob]]
SAFETY_POLL = 5.0  # seconds between reads of a watched job when no event comes


def _visible(job: TranscodeJob) -> tuple[object, ...]:
    """What a watcher sees change; heartbeats alone do not count."""
    return (job.status, job.progress, job.current_time, job.speed, job.error_message,
            job.attempts, job.output_asset_id)


@dataclass
class _Feed:
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    job: TranscodeJob | None = None
    error: BaseException | None = None
    serial: int = 0  # bumped on every visible change
    done: bool = False
    watchers: int = 0
    poller: asyncio.Task[None] | None = None
    stale: asyncio.Event = field(default_factory=asyncio.Event)  # an event came: read again


def _canonical(job_id: str) -> str:
    """The id as events name it, so that 'ABC…' and 'abc…' share one reader."""
    try:
        return str(uuid.UUID(job_id))
    except ValueError:
        return job_id  # the load reports it


def _news(feed: _Feed, seen: int) -> bool:
    return feed.serial > seen or feed.done


class JobWatch:
    """Subscribers of the same job share one read of `load` per event (or `interval`)."""

    def __init__(self, load: Load, interval: float = SAFETY_POLL) -> None:
        self._load, self._interval = load, interval
        self._feeds: dict[str, _Feed] = {}

    @property
    def polled(self) -> int:
        """How many jobs are being watched now."""
        return len(self._feeds)

    async def notify(self, event: JobEvent) -> None:
        """A job changed: its watchers' reader reads it again now (unwatched: nothing)."""
        feed = self._feeds.get(str(event.job_id))
        if feed is not None:
            feed.stale.set()

    async def updates(self, job_id: str) -> AsyncGenerator[TranscodeJob, None]:
        """The job now and on every visible change, until it ends; its load errors raise."""
        job_id = _canonical(job_id)
        feed = self._join(job_id)
        try:
            seen = 0
            while True:
                async with feed.changed:
                    await feed.changed.wait_for(functools.partial(_news, feed, seen))
                    job, error, done, seen = feed.job, feed.error, feed.done, feed.serial
                if error is not None:
                    raise error
                if job is not None:
                    yield job
                if done:
                    return
        finally:
            await self._leave(job_id, feed)

    def _join(self, job_id: str) -> _Feed:
        feed = self._feeds.get(job_id)
        if feed is None or feed.done:
            feed = self._feeds[job_id] = _Feed()
            feed.poller = asyncio.create_task(self._poll(feed, job_id),
                                              name=f"mpr-watch-{job_id}")
        feed.watchers += 1
        return feed

    async def _leave(self, job_id: str, feed: _Feed) -> None:
        feed.watchers -= 1
        if feed.watchers > 0:
            return
        if self._feeds.get(job_id) is feed:
            del self._feeds[job_id]
        if feed.poller is not None and not feed.poller.done():
            feed.poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed.poller

    async def _poll(self, feed: _Feed, job_id: str) -> None:
        last: tuple[object, ...] | None = None
        try:
            while True:
                job = await self._load(job_id)
                if (seen := _visible(job)) != last:
                    last = seen
                    await self._publish(feed, job=job, done=not job.status.is_active)
                if not job.status.is_active:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(feed.stale.wait(), self._interval)
                feed.stale.clear()
        except asyncio.CancelledError:
            raise
        except Exception as e:
            await self._publish(feed, error=e, done=True)

    @staticmethod
    async def _publish(feed: _Feed, job: TranscodeJob | None = None,
                       error: BaseException | None = None, done: bool = False) -> None:
        async with feed.changed:
            feed.job, feed.error, feed.done = job, error, done
            feed.serial += 1
            feed.changed.notify_all()
