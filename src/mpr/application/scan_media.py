"""Scan the input store: register and probe new media files, reconcile the known ones."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.errors import Conflict, NotFound, ProbeError, StorageError, ValidationError
from mpr.domain.keys import normalise_key
from mpr.domain.media import is_media_filename
from mpr.domain.pipeline import StoredObject
from mpr.domain.ports import AssetEntry, Clock, MediaProber, MediaStorage, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScanResult:
    found: int
    registered: int
    skipped: int
    missing: int = 0  # sources whose object is not in the store (newly or still)
    restored: int = 0  # missing sources whose object came back: ready again


@dataclass(frozen=True, slots=True)
class _Presence:
    """How the registered sources compare with the store's listing."""

    gone: list[AssetEntry]
    back: list[AssetEntry]
    still_missing: int


class ScanMedia:
    """Walk the whole input store; probe new media files with a bounded pool.

    One scan runs at a time per store: a call made while one runs joins it and gets that
    scan's result (its `registered` counts what the shared scan registered)."""

    def __init__(self, uow: UnitOfWorkFactory, storage: MediaStorage, prober: MediaProber,
                 clock: Clock, concurrency: int = 4) -> None:
        self._uow, self._storage, self._prober, self._clock = uow, storage, prober, clock
        self._concurrency = concurrency
        self._running: asyncio.Task[ScanResult] | None = None

    async def __call__(self) -> ScanResult:
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._scan(), name="scan-media")
            self._running.add_done_callback(_retrieve_outcome)
        return await asyncio.shield(self._running)  # a caller that leaves stops only itself

    async def register(self, keys: Iterable[str]) -> int:
        """Register and probe these keys (files a watcher saw settle) unless known; how many
        were new. Keys that vanished or are refused by the store are skipped."""
        async with self._uow() as uow:
            known = await uow.assets.known_paths(Location.INPUT)
        objects = []
        for key in {k for k in keys if is_candidate(k) and k not in known}:
            try:
                objects.append(await self._storage.stat(key))
            except (NotFound, StorageError):
                continue
        gate = asyncio.Semaphore(self._concurrency)
        return sum(await asyncio.gather(*(self._register(obj, gate) for obj in objects)))

    async def _scan(self) -> ScanResult:
        # The registered assets are read before the listing, so an asset registered meanwhile
        # (by an upload or another process) is never taken for one whose object is gone.
        async with self._uow() as uow:
            entries = await uow.assets.inventory(Location.INPUT)
        listed = {obj.key: obj async for obj in self._storage.list()}
        found = [obj for key, obj in listed.items() if is_candidate(key)]
        known = {entry.file_path for entry in entries}
        gate = asyncio.Semaphore(self._concurrency)
        new = [obj for obj in found if obj.key not in known]
        registered = sum(await asyncio.gather(*(self._register(obj, gate) for obj in new)))
        presence = _compare(entries, listed)
        await self._mark(presence.gone, MediaAsset.mark_missing)
        await self._mark(presence.back, MediaAsset.mark_present)
        return ScanResult(found=len(found), registered=registered,
                          skipped=len(found) - registered,
                          missing=len(presence.gone) + presence.still_missing,
                          restored=len(presence.back))

    async def _register(self, obj: StoredObject, gate: asyncio.Semaphore) -> bool:
        asset = MediaAsset.register(obj.key, Location.INPUT, self._clock.now(), obj.size)
        async with gate:
            await self._probe_into(asset)
        try:
            async with self._uow() as uow:
                await uow.assets.add(asset)
                await uow.commit()
        except Conflict:
            return False  # another process registered it first
        return True

    async def _probe_into(self, asset: MediaAsset) -> None:
        if asset.file_size == 0:
            asset.mark_error("empty file (0 bytes)", self._clock.now())
            return
        try:
            async with self._storage.open_source(asset.file_path) as source:
                media = await self._prober.probe(source)
        except (ProbeError, StorageError, NotFound) as e:
            asset.mark_error(str(e), self._clock.now())
        else:
            asset.mark_ready(media, self._clock.now())

    async def _mark(self, entries: Iterable[AssetEntry],
                    change: Callable[[MediaAsset, datetime], None]) -> None:
        """Apply a presence change to each asset in one transaction (deleted ones are skipped)."""
        async with self._uow() as uow:
            for entry in entries:
                try:
                    asset = await uow.assets.get(entry.id)
                except NotFound:
                    continue
                change(asset, self._clock.now())
                await uow.assets.save(asset)
            await uow.commit()


def _compare(entries: Sequence[AssetEntry], listed: Mapping[str, StoredObject]) -> _Presence:
    """Ready sources not listed are gone; missing ones listed again with their size are back."""
    gone = [e for e in entries if e.status is AssetStatus.READY and e.file_path not in listed]
    back, still_missing = [], 0
    for entry in (e for e in entries if e.status is AssetStatus.MISSING):
        if _same_object(entry, listed.get(entry.file_path)):
            back.append(entry)
        else:
            still_missing += 1
    return _Presence(gone, back, still_missing)


def _same_object(entry: AssetEntry, obj: StoredObject | None) -> bool:
    """The object that left came back: same key and same size (a size never known matches)."""
    if obj is None:
        return False
    if entry.file_size is not None and obj.size != entry.file_size:
        log.warning("a different object (%d bytes, was %d) is stored under missing source %r; "
                    "delete the asset and rescan to register it", obj.size, entry.file_size,
                    entry.file_path)
        return False
    return True


def _retrieve_outcome(task: asyncio.Task[ScanResult]) -> None:
    """Mark a scan's exception as seen even when every caller left before it ended."""
    if not task.cancelled():
        task.exception()


def is_candidate(key: str) -> bool:
    """A media file by extension, not hidden, with a key that is safe to use."""
    if any(part.startswith(".") for part in key.split("/")) or not is_media_filename(key):
        return False
    try:
        return normalise_key(key) == key
    except ValidationError:
        log.warning("skipping unsafe storage key %r", key)
        return False
