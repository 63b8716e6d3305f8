"""Read an asset's media for a player: byte ranges, a remote URL, or a frame thumbnail."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from mpr.application.ids import parse_id
from mpr.application.missing_objects import raise_if_gone
from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.errors import TranscodeError, ValidationError
from mpr.domain.ports import MediaStorage, ThumbnailMaker, UnitOfWorkFactory

THUMBNAIL_WIDTHS = (96, 160, 320)
TENTHS = 10  # thumbnails are cached per tenth of a second


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes start..end inclusive, as HTTP Range counts them."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True, slots=True)
class MediaHandle:
    """An asset's stored object: either streamed from its store, or fetched from a URL."""

    asset: MediaAsset
    size: int
    remote_url: str | None
    _store: MediaStorage

    def stream(self, byte_range: ByteRange | None = None) -> AsyncIterator[bytes]:
        """The object's bytes, all of them or one range."""
        if byte_range is None:
            return self._store.read(self.asset.file_path)
        return self._store.read(self.asset.file_path, byte_range.start, byte_range.end + 1)


def _is_url(locator: str) -> bool:
    return locator.startswith(("http://", "https://"))


class MediaAccess:
    """Find an asset's object in the store it lives in, for playback and thumbnails."""

    def __init__(self, uow: UnitOfWorkFactory, input_storage: MediaStorage,
                 output_storage: MediaStorage, thumbnails: ThumbnailMaker) -> None:
        self._uow = uow
        self._stores = {Location.INPUT: input_storage, Location.OUTPUT: output_storage}
        self._thumbnails = thumbnails

    async def open(self, asset_id: str) -> MediaHandle:
        """A handle on the asset's object; a store that serves URLs gives one (S3: presigned)."""
        asset = await self._asset(asset_id)
        store = self._stores[asset.location]
        stored = await store.stat(asset.file_path)
        url = None
        if store.kind != "filesystem":
            locator = await store.media_locator(asset.file_path)
            url = locator if _is_url(locator) else None
        return MediaHandle(asset=asset, size=stored.size, remote_url=url, _store=store)

    async def thumbnail(self, asset_id: str, at: float, width: int = 160) -> Path:
        """A cached JPEG of the asset's video at `at` seconds (clamped into the media)."""
        if width not in THUMBNAIL_WIDTHS:
            raise ValidationError(f"thumbnail width must be one of {THUMBNAIL_WIDTHS}")
        asset = await self._asset(asset_id)
        if asset.status is not AssetStatus.READY or not asset.media.has_video:
            raise ValidationError(f"asset {asset.id} has no video to take a thumbnail from")
        tenths = _tenths(at, asset.media.duration)
        store = self._stores[asset.location]
        locator = await store.media_locator(asset.file_path)
        key = f"{asset.id}/{width}-{tenths * 100}"
        try:
            return await self._thumbnails.thumbnail(locator, key, tenths / TENTHS, width)
        except TranscodeError:
            await raise_if_gone(store, asset.file_path)
            raise

    async def _asset(self, asset_id: str) -> MediaAsset:
        async with self._uow() as uow:
            return await uow.assets.get(parse_id(asset_id, "asset"))


def _tenths(at: float, duration: float | None) -> int:
    """The time in whole tenths of a second, kept a little before the end where frames exist."""
    if not math.isfinite(at) or at < 0:
        raise ValidationError("thumbnail time must be a non-negative number of seconds")
    last = max(0.0, (duration or 0.0) - 0.1)
    return math.floor(min(at, last) * TENTHS)
