"""Media files in the input store that no asset records yet: what a Scan would register."""

from __future__ import annotations

from dataclasses import dataclass

from mpr.application.scan_media import is_candidate
from mpr.domain.asset import Location
from mpr.domain.ports import MediaStorage, UnitOfWorkFactory

NAMES_SHOWN = 5


@dataclass(frozen=True, slots=True)
class WaitingMedia:
    """How many files wait to be registered, and the first few of their keys (sorted)."""

    count: int
    names: tuple[str, ...]


async def waiting_media(uow: UnitOfWorkFactory, storage: MediaStorage,
                        shown: int = NAMES_SHOWN) -> WaitingMedia:
    """List the input store and leave out the keys registered already (the first-run hint)."""
    async with uow() as unit:
        known = await unit.assets.known_paths(Location.INPUT)
    waiting = sorted([obj.key async for obj in storage.list()
                      if is_candidate(obj.key) and obj.key not in known])
    return WaitingMedia(count=len(waiting), names=tuple(waiting[:shown]))
