"""Read an asset's media for a player: byte ranges, a remote URL, or a frame thumbnail."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from mpr.application.missing_objects import present_asset, raise_if_gone
from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.errors import Conflict, NotFound, TranscodeError, ValidationError
from mpr.domain.keys import normalise_key
from mpr.domain.package import is_folder_prefix, package_prefix
from mpr.domain.ports import MediaStorage, ObjectReader, ThumbnailMaker, UnitOfWorkFactory
from mpr.domain.storyboard import StoryboardPlan, plan_storyboard, webvtt

THUMBNAIL_WIDTHS = (96, 160, 320)
MAX_THUMBNAILS_PER_WIDTH = 100  # per asset: times snap to a grid whose step grows with duration
_GRID_MANTISSAS = (1, 2, 5)  # grid steps of 0.1, 0.2, 0.5, 1, 2, 5, 10... seconds


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
    """An asset's stored object: opened once and streamed from its store, or fetched from a
    URL. Streaming closes it; a handle that is not streamed must be closed."""

    asset: MediaAsset
    size: int
    remote_url: str | None
    _reader: ObjectReader | None = None
    package_main: str | None = None  # a package's main manifest: its path in the package

    @property
    def name(self) -> str:
        """The served object's file name (its extension gives the content type)."""
        return (self.package_main or self.asset.filename).rpartition("/")[2]

    async def stream(self, byte_range: ByteRange | None = None) -> AsyncIterator[bytes]:
        """The opened object's bytes, all of them or one range."""
        if self._reader is None:
            return
        start, end = (0, None) if byte_range is None else (byte_range.start, byte_range.end + 1)
        try:
            async for chunk in self._reader.chunks(start, end):
                yield chunk
        finally:
            await self.close()

    async def close(self) -> None:
        """Release the opened object."""
        if self._reader is not None:
            await self._reader.close()


@dataclass(frozen=True, slots=True)
class PackageMember:
    """One object of a package: its path relative to the package's prefix, and its size."""

    path: str
    size: int


@dataclass(frozen=True, slots=True)
class PackageContents:
    """What a ready asset's package holds, the main object last (a download's archive)."""

    asset: MediaAsset
    name: str  # the package folder's name
    members: tuple[PackageMember, ...]

    @property
    def size(self) -> int:
        return sum(m.size for m in self.members)


MAX_PACKAGE_MEMBERS = 100_000  # a 10-hour ladder of 4 s segments in 6 renditions: 54,000


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
        """A handle on a ready asset's object; a store that serves URLs gives one (S3:
        presigned). Assets that are not ready (errors, missing files) are never served."""
        asset = await self._ready_asset(asset_id)
        store = self._stores[asset.location]
        prefix = package_prefix(asset.file_path)
        if is_folder_prefix(prefix):  # a manifest names its package's members relative to it
            main = asset.file_path.removeprefix(prefix)
            return MediaHandle(asset=asset, size=0, remote_url=None, package_main=main)
        if store.kind != "filesystem":
            stored = await store.stat(asset.file_path)
            async with store.open_source(asset.file_path) as source:
                if _is_url(source.locator):
                    url = source.browser_locator or source.locator
                    return MediaHandle(asset=asset, size=stored.size, remote_url=url)
        reader = await store.open_reader(asset.file_path)
        return MediaHandle(asset=asset, size=reader.size, remote_url=None, _reader=reader)

    async def open_member(self, asset_id: str, path: str) -> MediaHandle:
        """A handle on one object of the package a ready asset heads (a playlist, a segment),
        read through MPR from either store so a manifest's relative URIs resolve here too."""
        asset = await self._ready_asset(asset_id)
        prefix = package_prefix(asset.file_path)
        key = normalise_key(f"{prefix}{path}") if is_folder_prefix(prefix) else ""
        hidden = any(part.startswith(".") for part in path.split("/"))
        if not key.startswith(prefix) or not is_folder_prefix(prefix) or hidden:
            raise NotFound("object", path, f"asset {asset.id} has no package member {path!r}")
        reader = await self._stores[asset.location].open_reader(key)
        return MediaHandle(asset=asset, size=reader.size, remote_url=None, _reader=reader,
                           package_main=key.removeprefix(prefix))

    async def package_contents(self, asset_id: str) -> PackageContents:
        """Every object of the package a ready asset heads (hidden ones left out), the main
        object last; ValidationError for an asset that is a single file."""
        asset = await self._ready_asset(asset_id)
        prefix = package_prefix(asset.file_path)
        if not is_folder_prefix(prefix):
            raise ValidationError(f"asset {asset.id} is a single file, not a package")
        main = asset.file_path.removeprefix(prefix)
        members: list[PackageMember] = []
        head: PackageMember | None = None
        async for stored in self._stores[asset.location].list(prefix):
            path = stored.key.removeprefix(prefix)
            if path == main:
                head = PackageMember(main, stored.size)
                continue
            if any(part.startswith(".") for part in path.split("/")):
                continue
            if len(members) >= MAX_PACKAGE_MEMBERS:
                raise ValidationError(f"asset {asset.id}'s package holds more than "
                                      f"{MAX_PACKAGE_MEMBERS} objects")
            members.append(PackageMember(path, stored.size))
        if head is None:
            raise NotFound("object", asset.file_path,
                           f"the main object of asset {asset.id}'s package is not stored")
        members.sort(key=lambda m: m.path)
        name = prefix.rstrip("/").rpartition("/")[2]
        return PackageContents(asset, name, (*members, head))

    async def open_package_object(self, contents: PackageContents, path: str) -> ObjectReader:
        """One object of a package listed by package_contents, opened for reading."""
        if path not in {m.path for m in contents.members}:
            raise NotFound("object", path, f"asset {contents.asset.id} has no member {path!r}")
        prefix = package_prefix(contents.asset.file_path)
        return await self._stores[contents.asset.location].open_reader(f"{prefix}{path}")

    async def _ready_asset(self, asset_id: str) -> MediaAsset:
        asset = await self._present_asset(asset_id)
        if asset.status is not AssetStatus.READY:
            raise Conflict(f"asset {asset.id} is {asset.status.value}, not ready: "
                           "only ready assets are served")
        return asset

    async def thumbnail(self, asset_id: str, at: float, width: int = 160) -> Path:
        """A cached JPEG of the asset's video at `at` seconds (clamped into the media)."""
        if width not in THUMBNAIL_WIDTHS:
            raise ValidationError(f"thumbnail width must be one of {THUMBNAIL_WIDTHS}")
        asset = await self._present_asset(asset_id)
        if asset.status is not AssetStatus.READY or not asset.media.has_video:
            raise ValidationError(f"asset {asset.id} has no video to take a thumbnail from")
        millis = snap_to_grid(at, asset.media.duration)
        store = self._stores[asset.location]
        key = f"{asset.id}/{width}-{millis}"
        try:
            async with store.open_source(asset.file_path) as source:
                return await self._thumbnails.thumbnail(source, key, millis / 1000, width)
        except TranscodeError:
            await raise_if_gone(store, asset.file_path)
            raise

    async def storyboard_sprite(self, asset_id: str) -> Path:
        """The asset's storyboard sprite sheet, made once (one pass over the video), cached."""
        asset, plan = await self._storyboard(asset_id)
        store = self._stores[asset.location]
        try:
            async with store.open_source(asset.file_path) as source:
                return await self._thumbnails.sprite(source, f"{asset.id}/{plan.cache_name}",
                                                     plan)
        except TranscodeError:
            await raise_if_gone(store, asset.file_path)
            raise

    async def storyboard_vtt(self, asset_id: str, sprite_url: str) -> str:
        """The WebVTT that maps the asset's time ranges to the tiles of its sprite sheet."""
        _, plan = await self._storyboard(asset_id)
        return webvtt(plan, sprite_url)

    async def _storyboard(self, asset_id: str) -> tuple[MediaAsset, StoryboardPlan]:
        asset = await self._present_asset(asset_id)
        media = asset.media
        if (asset.status is not AssetStatus.READY or media.width is None
                or media.height is None or not media.duration):
            raise ValidationError(f"asset {asset.id} has no video to make a storyboard of")
        return asset, plan_storyboard(media.duration, media.width, media.height)

    async def _present_asset(self, asset_id: str) -> MediaAsset:
        return await present_asset(self._uow, asset_id)


def grid_step_ms(duration: float | None) -> int:
    """The smallest 1-2-5 step (from 100 ms) that cuts the media into at most
    MAX_THUMBNAILS_PER_WIDTH slots."""
    span = math.ceil(max(duration or 0.0, 0.0) * 1000)
    decade = 100
    while True:
        for mantissa in _GRID_MANTISSAS:
            if span <= mantissa * decade * MAX_THUMBNAILS_PER_WIDTH:
                return mantissa * decade
        decade *= 10


def snap_to_grid(at: float, duration: float | None) -> int:
    """The thumbnail time in milliseconds: on the grid, a little before the end where frames
    exist."""
    if not math.isfinite(at) or at < 0:
        raise ValidationError("thumbnail time must be a non-negative number of seconds")
    last = max(0.0, (duration or 0.0) - 0.1)
    millis = math.floor(round(min(at, last) * 1000, 6))
    step = grid_step_ms(duration)
    return millis // step * step
