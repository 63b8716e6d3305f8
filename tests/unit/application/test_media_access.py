import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mpr.application.media_access import (
    MAX_THUMBNAILS_PER_WIDTH,
    ByteRange,
    MediaAccess,
    grid_step_ms,
    snap_to_grid,
)
from mpr.domain.asset import AssetStatus, Location
from mpr.domain.errors import Conflict, NotFound, RefusedObject, TranscodeError, ValidationError
from mpr.domain.pipeline import MediaSource
from tests.factories import make_asset, make_media
from tests.unit.fakes import FakeStorage, FakeThumbnails


class PresigningStorage(FakeStorage):
    """A remote store whose sources are URLs, as S3's presigned ones are."""

    kind = "s3"

    @contextlib.asynccontextmanager
    async def open_source(self, key: str) -> AsyncIterator[MediaSource]:
        yield MediaSource(f"https://bucket.example/{key}?X-Amz-Signature=abc", key)


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

    ranged, whole = await media.open(str(asset.id)), await media.open(str(asset.id))

    assert (ranged.size, ranged.remote_url) == (10, None)
    assert await collect(ranged.stream(ByteRange(2, 4))) == b"234"
    assert await collect(whole.stream()) == b"0123456789"


async def test_the_bytes_streamed_are_those_of_the_object_opened_even_if_the_key_changes(
        media, tables, input_storage):
    asset = make_asset(file_path="clip.mp4")
    tables.assets[asset.id] = asset
    input_storage.objects["clip.mp4"] = b"the clip"

    handle = await media.open(str(asset.id))
    input_storage.objects["clip.mp4"] = b"swapped in after the check"

    assert await collect(handle.stream()) == b"the clip"


async def test_a_store_that_gives_urls_is_read_through_the_url(uow, tables, tmp_path,
                                                              thumbnails):
    remote = PresigningStorage(tmp_path, {"a.mp4": b"data"})
    asset = make_asset(file_path="a.mp4")
    tables.assets[asset.id] = asset

    handle = await MediaAccess(uow, remote, remote, thumbnails).open(str(asset.id))

    assert handle.remote_url == "https://bucket.example/a.mp4?X-Amz-Signature=abc"


class PublicLinkStorage(FakeStorage):
    """A remote store reached by browsers at another address than by MPR."""

    kind = "s3"

    @contextlib.asynccontextmanager
    async def open_source(self, key: str) -> AsyncIterator[MediaSource]:
        yield MediaSource(f"http://minio:9000/{key}?sig=inside", key,
                          browser_locator=f"http://mpr.local.ar:9000/{key}?sig=outside")


async def test_players_get_the_link_browsers_can_reach(uow, tables, tmp_path, thumbnails):
    remote = PublicLinkStorage(tmp_path, {"a.mp4": b"data"})
    asset = make_asset(file_path="a.mp4")
    tables.assets[asset.id] = asset

    handle = await MediaAccess(uow, remote, remote, thumbnails).open(str(asset.id))

    assert handle.remote_url == "http://mpr.local.ar:9000/a.mp4?sig=outside"


async def test_opening_an_asset_whose_file_is_gone_is_not_found(media, tables):
    asset = make_asset(file_path="missing.mp4")
    tables.assets[asset.id] = asset

    with pytest.raises(NotFound):
        await media.open(str(asset.id))


@pytest.mark.parametrize("status", [AssetStatus.ERROR, AssetStatus.PENDING])
async def test_only_ready_assets_are_served(media, tables, input_storage, status):
    asset = make_asset(file_path="passwd.mp4", status=status)
    tables.assets[asset.id] = asset
    input_storage.objects["passwd.mp4"] = b"root:x:0:0"

    with pytest.raises(Conflict, match="not ready"):
        await media.open(str(asset.id))


async def test_an_object_the_store_refuses_is_neither_served_nor_thumbnailed(
        media, tables, input_storage, thumbnails):
    asset = make_asset(file_path="fifo.mp4")
    tables.assets[asset.id] = asset
    input_storage.objects["fifo.mp4"] = b""
    input_storage.refused.add("fifo.mp4")

    with pytest.raises(RefusedObject):
        await media.open(str(asset.id))
    with pytest.raises(RefusedObject):
        await media.thumbnail(str(asset.id), 1.0)
    assert thumbnails.made == []


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

    async def thumbnail(self, source: MediaSource, cache_key: str, at: float, width: int
                        ) -> Path:
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


async def test_a_missing_source_is_not_found_for_playback_or_thumbnails(
        media, tables, input_storage, thumbnails):
    asset = make_asset(file_path="shows/gone.mp4", status=AssetStatus.MISSING)
    tables.assets[asset.id] = asset
    input_storage.objects["shows/gone.mp4"] = b"back, but not rescanned yet"

    for read in (media.open(str(asset.id)), media.thumbnail(str(asset.id), 1.0)):
        with pytest.raises(NotFound, match=r"source file 'shows/gone\.mp4' .* missing"):
            await read

    assert thumbnails.made == []


@pytest.mark.parametrize(("duration", "step"), [
    (None, 100), (0.05, 100), (10.0, 100), (10.05, 200), (20.0, 200), (50.0, 500),
    (100.0, 1000), (3600.0, 50_000), (36_000.0, 500_000)])
def test_the_thumbnail_grid_step_grows_with_the_duration(duration, step):
    assert grid_step_ms(duration) == step


@pytest.mark.parametrize("duration", [0.05, 7.3, 10.0, 61.0, 5400.0, 86_400.0])
def test_any_number_of_times_snaps_to_at_most_a_hundred_grid_points(duration):
    times = [duration * n / 9973 for n in range(10_000)]

    points = {snap_to_grid(at, duration) for at in times}

    assert len(points) <= MAX_THUMBNAILS_PER_WIDTH
    assert all(0 <= p <= duration * 1000 for p in points)


def test_grid_times_that_floats_cannot_hold_exactly_stay_on_their_point():
    assert [snap_to_grid(at, 10.0) for at in (2.3, 4.35, 0.7)] == [2300, 4300, 700]


async def test_thumbnails_of_a_long_video_are_cached_on_its_coarser_grid(
        media, tables, input_storage, thumbnails):
    asset = make_asset(file_path="film.mp4", media=make_media(duration=3600.0))
    tables.assets[asset.id] = asset
    input_storage.objects["film.mp4"] = b"x"

    for at in (60.0, 61.5, 99.9):
        await media.thumbnail(str(asset.id), at, 320)

    assert [(key, at) for _, key, at, _ in thumbnails.made] == [
        (f"{asset.id}/320-50000", 50.0)] * 3
