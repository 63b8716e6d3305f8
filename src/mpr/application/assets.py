"""Change and delete assets."""

from __future__ import annotations

from dataclasses import dataclass

from mpr.application.ids import parse_id
from mpr.domain.asset import MediaAsset
from mpr.domain.errors import Conflict
from mpr.domain.ports import Clock, MediaStorage, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class AssetChanges:
    comments: str | None = None
    tags: list[str] | None = None


class UpdateAsset:
    """Edit an asset's comments and tags."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, asset_id: str, changes: AssetChanges) -> MediaAsset:
        aid = parse_id(asset_id, "asset")
        async with self._uow() as uow:
            asset = await uow.assets.get(aid)
            asset.annotate(self._clock.now(), comments=changes.comments, tags=changes.tags)
            await uow.assets.save(asset)
            await uow.commit()
        return asset


class DeleteAsset:
    """Remove an asset's record, and an output's package; refused while a job still reads it.

    MPR never writes the input store: a source's file stays where its owner put it (a later
    scan registers it again). Outputs are MPR's own, so their packages (the main object and
    every object under its prefix) go with their records."""

    def __init__(self, uow: UnitOfWorkFactory, output_storage: MediaStorage, clock: Clock
                 ) -> None:
        self._uow, self._clock = uow, clock
        self._output = output_storage

    async def __call__(self, asset_id: str) -> MediaAsset:
        aid = parse_id(asset_id, "asset")
        async with self._uow() as uow:
            asset = await uow.assets.get(aid)
            active = await uow.jobs.active_for_asset(aid)
            if active:
                jobs = "1 job that is" if active == 1 else f"{active} jobs that are"
                raise Conflict(f"{asset.filename} is the source of {jobs} pending or "
                               "processing; cancel them first, then delete it")
            asset.discard(self._clock.now())
            await uow.assets.delete(aid)
            if asset.package_prefix is not None:
                await self._output.delete_package(asset.file_path)
            await uow.commit()
        return asset
