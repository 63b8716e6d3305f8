"""Scan the input store: register and probe media files not yet known."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from mpr.domain.asset import Location, MediaAsset
from mpr.domain.errors import Conflict, ProbeError, StorageError, ValidationError
from mpr.domain.keys import normalise_key
from mpr.domain.media import is_media_filename
from mpr.domain.pipeline import StoredObject
from mpr.domain.ports import Clock, MediaProber, MediaStorage, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScanResult:
    found: int
    registered: int
    skipped: int


class ScanMedia:
    """Walk the whole input store; probe new media files with a bounded pool."""

    def __init__(self, uow: UnitOfWorkFactory, storage: MediaStorage, prober: MediaProber,
                 clock: Clock, concurrency: int = 4) -> None:
        self._uow, self._storage, self._prober, self._clock = uow, storage, prober, clock
        self._concurrency = concurrency

    async def __call__(self) -> ScanResult:
        found = [obj async for obj in self._storage.list() if _is_candidate(obj.key)]
        async with self._uow() as uow:
            known = await uow.assets.known_paths(Location.INPUT)
        new = [obj for obj in found if obj.key not in known]
        gate = asyncio.Semaphore(self._concurrency)
        results = await asyncio.gather(*(self._register(obj, gate) for obj in new))
        registered = sum(results)
        return ScanResult(found=len(found), registered=registered, skipped=len(found) - registered)

    async def _register(self, obj: StoredObject, gate: asyncio.Semaphore) -> bool:
        asset = MediaAsset.register(obj.key, Location.INPUT, self._clock.now(), obj.size)
        async with gate:
            await self._probe_into(asset)
        try:
            async with self._uow() as uow:
                await uow.assets.add(asset)
                await uow.commit()
        except Conflict:
            return False  # a concurrent scan registered it first
        return True

    async def _probe_into(self, asset: MediaAsset) -> None:
        if asset.file_size == 0:
            asset.mark_error("empty file (0 bytes)", self._clock.now())
            return
        try:
            locator = await self._storage.media_locator(asset.file_path)
            media = await self._prober.probe(locator)
        except (ProbeError, StorageError) as e:
            asset.mark_error(str(e), self._clock.now())
        else:
            asset.mark_ready(media, self._clock.now())


def _is_candidate(key: str) -> bool:
    """A media file by extension, not hidden, with a key that is safe to use."""
    if any(part.startswith(".") for part in key.split("/")) or not is_media_filename(key):
        return False
    try:
        return normalise_key(key) == key
    except ValidationError:
        log.warning("skipping unsafe storage key %r", key)
        return False
