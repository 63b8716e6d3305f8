"""Watched input stores: files put there by other means are registered without a Scan.

On a filesystem, change notification names candidates; a candidate is registered once its
size has held still for the settle time and no process holds it open for writing (a writer
that pauses longer than the settle time, file still open, is waited for). A store
without notification (S3, where objects appear only complete) is listed periodically."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from mpr.application.scan_media import ScanMedia
from mpr.domain.errors import MprError, NotFound, StorageError
from mpr.domain.media import is_media_filename
from mpr.domain.ports import Clock, MediaStorage, StoreChanges

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Seen:
    size: int
    since: float  # monotonic seconds when the size was first seen


class SettleWatch:
    """Registers files the feed names once their size is stable for `settle` seconds and
    the feed knows of no writer still holding them open."""

    def __init__(self, feed: StoreChanges, storage: MediaStorage, scan: ScanMedia,
                 clock: Clock, settle: float, tick: float = 0.1) -> None:
        self._feed, self._storage, self._scan, self._clock = feed, storage, scan, clock
        self._settle, self._tick = settle, tick
        self._pending: dict[str, _Seen | None] = {}

    async def run(self) -> None:
        """Until cancelled: notice what exists now and what changes, register what settles."""
        await self._notice_existing()
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._follow_feed())
            tasks.create_task(self._settle_forever())

    async def _notice_existing(self) -> None:
        async for obj in self._storage.list():
            self.notice({obj.key})

    def notice(self, keys: set[str]) -> None:
        """Candidates changed: their settle time starts again."""
        for key in keys:
            if is_media_filename(key):
                self._pending[key] = None

    async def _follow_feed(self) -> None:
        async for keys in self._feed.changes():
            self.notice(keys)

    async def _settle_forever(self) -> None:
        while True:
            try:
                await self.settle_pass()
            except MprError as e:
                log.warning("watching the input store: %s", e)
            await asyncio.sleep(self._tick)

    async def settle_pass(self) -> int:
        """Register the candidates whose size held still long enough; how many were new."""
        now, settled = self._clock.monotonic(), []
        for key, seen in list(self._pending.items()):
            try:
                size = (await self._storage.stat(key)).size
            except (NotFound, StorageError):
                self._pending.pop(key, None)
                continue
            if seen is None or seen.size != size:
                self._pending[key] = _Seen(size, now)
            elif (size > 0 and now - seen.since >= self._settle  # empty: maybe just opened
                  and not await self._feed.being_written(key)):
                settled.append(key)
        if not settled:
            return 0
        for key in settled:
            self._pending.pop(key, None)
        registered = await self._scan.register(settled)
        if registered:
            log.info("registered %d new file(s) from the watched input store", registered)
        return registered


class PeriodicScan:
    """A full scan every interval, for stores whose objects appear only whole (S3)."""

    def __init__(self, scan: ScanMedia, interval: float) -> None:
        self._scan, self._interval = scan, interval

    async def run(self) -> None:
        """Until cancelled."""
        while True:
            try:
                result = await self._scan()
                if result.registered:
                    log.info("registered %d new file(s) from the input store",
                             result.registered)
            except MprError as e:
                log.warning("periodic scan failed: %s", e)
            await asyncio.sleep(self._interval)
