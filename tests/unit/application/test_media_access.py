from pathlib import Path

import pytest

from mpr.application.media_access import ByteRange, MediaAccess
from mpr.domain.asset import AssetStatus, Location
from mpr.domain.errors import NotFound, TranscodeError, ValidationError
from tests.factories import make_asset, make_media
from tests.unit.fakes import FakeStorage, FakeThumbnails


class PresigningStorage(FakeStorage):
    """A remote store whose locators are URLs, as S3's presigned ones are."""

    kind = "s3"

    async def media_locator(self, key: str) -> str:
        return f"https://bucket.example/{key}?X-Amz-Signature=abc"


@pytest.fixture
def thumbnails(tmp_path):
    return FakeThumbnails(tmp_path / "thumbs")


@pytest.fixture
def media(uow, input_storage, output_storage, thumbnails):
    return MediaAccess(uow, input_storage, output_storage, thumbnails)


async def collect(stream):
    return b"".join([chunk async for chunk in stream])


async def test_opens_an_output_asset_in_the_output_store_and_streams_a_range(
        media, tables, output_storage):
    asset = make_asset(file_path="out.mp4", location=Location.OUTPUT)
    tables.assets[asset.id] = asset
    output_storage.objects["out.mp4"] = b"0123456789"

    handle = await media.open(str(asset.id))

    assert (handle.size, handle.remote_url) == (10, None)
    assert await collect(handle.stream(ByteRange(2, 4))) == b"234"
    assert await collect(handle.stream()) == b"0123456789"


async def test_a_store_that_gives_urls_is_read_through_the_url(uow, tables, tmp_path,
                                                              thumbnails):
    remote = PresigningStorage(tmp_path, {"a.mp4": b"data"})
    asset = make_asset(file_path="a.mp4")
    tables.assets[asset.id] = asset

    handle = await MediaAccess(uow, remote, remote, thumbnails).open(str(asset.id))

    assert handle.remote_url == "https://bucket.example/a.mp4?X-Amz-Signature=abc"


async def test_opening_an_asset_whose_file_is_gone_is_not_found(media, tables):
    asset = make_asset(file_path="missing.mp4")
    tables.assets[asset.id] = asset

    with pytest.raises(NotFound):
        await media.open(str(asset.id))


async def test_thumbnail_times_are_cached_per_tenth_and_kept_inside_the_media(
        media, tables, input_storage, thumbnails):
    asset = make_asset(file_path="a.mp4", media=make_media(duration=10.0))
    tables.assets[asset.id] = asset
    input_storage.objects["a.mp4"] = b"x"

    await media.thumbnail(str(asset.id), 2.57, 160)
    await media.thumbnail(str(asset.id), 99.0, 96)

    assert [(key, at, width) for _, key, at, width in thumbnails.made] == [
        (f"{asset.id}/160-2500", 2.5, 160), (f"{asset.id}/96-9900", 9.9, 96)]


@pytest.mark.parametrize(("at", "width"), [(-1.0, 160), (float("nan"), 160),
                                           (float("inf"), 160), (1.0, 4000)])
async def test_thumbnail_refuses_bad_times_and_widths(media, tables, input_storage,
                                                      at, width):
    asset = make_asset(file_path="a.mp4")
    tables.assets[asset.id] = asset
    input_storage.objects["a.mp4"] = b"x"

    with pytest.raises(ValidationError):
        await media.thumbnail(str(asset.id), at, width)


@pytest.mark.parametrize("asset_kwargs", [
    {"media": make_media(video_codec=None, width=None, height=None)},
    {"status": AssetStatus.ERROR}])
async def test_thumbnail_needs_a_ready_asset_with_video(media, tables, thumbnails,
                                                        asset_kwargs):
    asset = make_asset(**asset_kwargs)
    tables.assets[asset.id] = asset

    with pytest.raises(ValidationError, match="no video"):
        await media.thumbnail(str(asset.id), 1.0)
    assert thumbnails.made == []


class BrokenThumbnails(FakeThumbnails):
    """ffmpeg failing on the locator, as it does when the object is missing or unreadable."""

    async def thumbnail(self, locator: str, cache_key: str, at: float, width: int) -> Path:
        raise TranscodeError("Server returned 404 Not Found")


async def test_a_thumbnail_of_an_object_gone_from_the_store_is_not_found(
        uow, input_storage, output_storage, tables, tmp_path):
    asset = make_asset(file_path="gone.mp4")
    tables.assets[asset.id] = asset
    media = MediaAccess(uow, input_storage, output_storage, BrokenThumbnails(tmp_path))

    with pytest.raises(NotFound, match=r"gone\.mp4"):
        await media.thumbnail(str(asset.id), 1.0)


async def test_a_thumbnail_ffmpeg_cannot_make_from_a_present_object_says_why(
        uow, input_storage, output_storage, tables, tmp_path):
    asset = make_asset(file_path="here.mp4")
    tables.assets[asset.id] = asset
    input_storage.objects["here.mp4"] = b"x"
    media = MediaAccess(uow, input_storage, output_storage, BrokenThumbnails(tmp_path))

    with pytest.raises(TranscodeError, match="404"):
        await media.thumbnail(str(asset.id), 1.0)
