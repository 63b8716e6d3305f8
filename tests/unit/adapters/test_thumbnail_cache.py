import os
from pathlib import Path

import pytest

from mpr.adapters.ffmpeg.thumbnail_cache import ThumbnailCache

ASSET = "0b5e7e57-2d1c-4d7e-9a53-5b1f7d1c2a10"


def place(cache: ThumbnailCache, key: str, size: int) -> None:
    """Write a cached file as the thumbnail maker does, before telling the cache."""
    path = cache.path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"j" * size)


def on_disk(root: Path) -> tuple[set[str], int]:
    files = list(root.rglob("*.jpg"))
    return ({p.stem for p in files}, sum(p.stat().st_size for p in files))


async def add(cache: ThumbnailCache, key: str, size: int = 100) -> Path:
    place(cache, key, size)
    return await cache.add(key)


async def test_stays_within_its_bound_dropping_the_least_recently_added(tmp_path):
    cache = ThumbnailCache(tmp_path, max_bytes=300)

    for n in range(5):
        await add(cache, f"{ASSET}/160-{n}00")

    names, total = on_disk(tmp_path)
    assert names == {"160-200", "160-300", "160-400"}
    assert total == cache.total_bytes == 300


async def test_a_hit_makes_an_entry_the_most_recent_so_it_outlives_newer_ones(tmp_path):
    cache = ThumbnailCache(tmp_path, max_bytes=300)
    for n in range(3):
        await add(cache, f"{ASSET}/160-{n}00")

    assert await cache.hit(f"{ASSET}/160-000") == cache.path(f"{ASSET}/160-000")
    await add(cache, f"{ASSET}/160-300")

    assert on_disk(tmp_path)[0] == {"160-000", "160-200", "160-300"}


async def test_an_unknown_key_is_a_miss(tmp_path):
    assert await ThumbnailCache(tmp_path, 1000).hit(f"{ASSET}/96-0") is None


async def test_a_file_removed_behind_its_back_is_a_miss_and_no_longer_counted(tmp_path):
    cache = ThumbnailCache(tmp_path, max_bytes=1000)
    path = await add(cache, f"{ASSET}/96-0", size=400)
    path.unlink()

    assert await cache.hit(f"{ASSET}/96-0") is None
    assert cache.total_bytes == 0


async def test_files_left_by_an_earlier_run_count_and_the_oldest_go_first(tmp_path):
    earlier = ThumbnailCache(tmp_path, max_bytes=10_000)
    for n, mtime in enumerate((3_000, 1_000, 2_000)):
        path = await add(earlier, f"{ASSET}/320-{n}00")
        os.utime(path, (mtime, mtime))
    (tmp_path / ASSET / ".in-progress.jpg").write_bytes(b"x" * 50)

    cache = ThumbnailCache(tmp_path, max_bytes=250)
    await add(cache, f"{ASSET}/320-900", size=50)

    assert cache.total_bytes == 250
    assert on_disk(tmp_path)[0] == {"320-000", "320-200", "320-900", ".in-progress"}


async def test_the_newest_file_stays_even_when_it_alone_exceeds_the_bound(tmp_path):
    cache = ThumbnailCache(tmp_path, max_bytes=100)
    await add(cache, f"{ASSET}/160-0", size=50)

    await add(cache, f"{ASSET}/160-100", size=150)

    assert on_disk(tmp_path) == ({"160-100"}, 150)


@pytest.mark.parametrize("size", [10, 100])
async def test_replacing_a_file_counts_only_its_new_size(tmp_path, size):
    cache = ThumbnailCache(tmp_path, max_bytes=1000)
    await add(cache, f"{ASSET}/96-0", size=300)

    await add(cache, f"{ASSET}/96-0", size=size)

    assert cache.total_bytes == size


async def test_a_half_written_file_a_killed_run_left_is_removed_and_a_fresh_one_kept(tmp_path):
    folder = tmp_path / ASSET
    folder.mkdir()
    abandoned, writing = folder / ".0123abcd.jpg", folder / ".4567ef01.jpg"
    abandoned.write_bytes(b"half")
    writing.write_bytes(b"half")
    old = abandoned.stat().st_mtime - 3600
    os.utime(abandoned, (old, old))
    cache = ThumbnailCache(tmp_path, max_bytes=300)

    assert await cache.hit(f"{ASSET}/160-0") is None

    assert not abandoned.exists()
    assert writing.exists()
    assert cache.total_bytes == 0


async def test_a_cache_of_another_suffix_counts_and_evicts_only_its_own_files(tmp_path):
    jpegs = ThumbnailCache(tmp_path, max_bytes=10_000)
    await add(jpegs, f"{ASSET}/160-100", 5000)
    (tmp_path / ASSET / "waveform-old.json").write_bytes(b"w" * 100)
    waveforms = ThumbnailCache(tmp_path, max_bytes=250, suffix=".json")

    await add(waveforms, f"{ASSET}/waveform-1000", 200)

    assert waveforms.path(f"{ASSET}/waveform-1000").name == "waveform-1000.json"
    assert waveforms.total_bytes == 200  # the older waveform went; the JPEG is not its own
    assert not (tmp_path / ASSET / "waveform-old.json").exists()
    assert jpegs.path(f"{ASSET}/160-100").stat().st_size == 5000
