"""Why ffmpeg could not read an object: locators are not checked up front, so ask after."""

from __future__ import annotations

from mpr.application.ids import parse_id
from mpr.domain.asset import AssetStatus, MediaAsset
from mpr.domain.errors import Conflict, NotFound
from mpr.domain.ports import MediaStorage, UnitOfWorkFactory


async def raise_if_gone(store: MediaStorage, key: str) -> None:
    """NotFound when the object is no longer in the store (call it where reading failed)."""
    if not await store.exists(key):
        raise NotFound("object", key) from None


def missing_source_message(asset: MediaAsset) -> str:
    """Why a missing source cannot be used, and how to bring it back."""
    return (f"source file {asset.file_path!r} of asset {asset.id} is missing from the input "
            "store; put the same file back under that name and rescan")


async def present_asset(uow: UnitOfWorkFactory, asset_id: str) -> MediaAsset:
    """The asset; NotFound saying so when a rescan found its file gone."""
    async with uow() as tx:
        asset = await tx.assets.get(parse_id(asset_id, "asset"))
    if asset.status is AssetStatus.MISSING:
        raise NotFound("object", asset.file_path, missing_source_message(asset))
    return asset


def refuse_missing_source(asset: MediaAsset) -> None:
    """Conflict when a job would read a source whose file has left the store."""
    if asset.status is AssetStatus.MISSING:
        raise Conflict(missing_source_message(asset))
