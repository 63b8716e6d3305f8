"""The package part of the storage contract, for every adapter (a local folder, an S3 bucket
on moto's server): a package appears main object last, whole or not at all, and goes whole."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from mpr.adapters.clock import SystemClock
from mpr.adapters.storage.filesystem import FilesystemStorage
from mpr.application.assets import DeleteAsset
from mpr.application.sweep_staging import remove_staged
from mpr.domain.asset import Location, MediaAsset
from mpr.domain.errors import Conflict, NotFound, RefusedObject, StorageError, ValidationError
from mpr.domain.ports import MediaStorage, UnitOfWorkFactory
from mpr.domain.staging import staging_name
from tests.factories import NOW
from tests.integration.storage_stores import Store, keys, read_all

MAIN = "out/ladder/master.m3u8"
PREFIX = "out/ladder/"
RENDITIONS = ("360p", "720p")
SEGMENTS = 12


def ladder_files() -> dict[str, bytes]:
    """A ladder's files by their paths in the package: playlists and segments."""
    files = {"master.m3u8": b"#EXTM3U\n" + b"".join(
        b"%s/index.m3u8\n" % r.encode() for r in RENDITIONS)}
    for rendition in RENDITIONS:
        files[f"{rendition}/index.m3u8"] = b"#EXTM3U\n#EXT-X-ENDLIST\n"
        for n in range(SEGMENTS):
            files[f"{rendition}/seg{n:03d}.ts"] = f"{rendition} segment {n}".encode()
    return files


LADDER_KEYS = sorted(PREFIX + path for path in ladder_files())


async def stored_area(storage: MediaStorage) -> Path:
    """Store the ladder; its staging area (for the caller to remove)."""
    area = stage(storage, ladder_files())
    await storage.put_package(MAIN, area)
    return area


def stage(storage: MediaStorage, files: dict[str, bytes]) -> Path:
    """A staging area as an encode leaves it."""
    area = storage.staging_dir() / staging_name(uuid.uuid4(), 1)
    for path, data in files.items():
        (area / path).parent.mkdir(parents=True, exist_ok=True)
        (area / path).write_bytes(data)
    return area


class Watcher:
    """A reader that lists the prefix again and again while a package is stored, keeping each
    listing; it can act (break the staging area, cancel the store) once some objects are in."""

    def __init__(self, storage: MediaStorage, prefix: str = PREFIX) -> None:
        self.storage, self.prefix = storage, prefix
        self.seen: list[list[str]] = []

    async def watch(self, until: asyncio.Task[object], after: int = 0,
                    act: Callable[[], object] | None = None) -> None:
        while not until.done():
            self.seen.append(await keys(self.storage, self.prefix))
            if act is not None and len(self.seen[-1]) >= after:
                act()
                act = None
            await asyncio.sleep(0)

    def partial_views(self) -> list[list[str]]:
        return [seen for seen in self.seen if 0 < len(seen) < len(LADDER_KEYS)]


async def store_watched(storage: MediaStorage, area: Path, watcher: Watcher, after: int = 0,
                        act: Callable[[], object] | None = None) -> None:
    storing = asyncio.ensure_future(storage.put_package(MAIN, area))
    await watcher.watch(storing, after, act)
    await storing


async def test_a_package_is_stored_whole_and_its_main_object_appears_last(store: Store) -> None:
    """The watcher must catch the store part-way at least once: on a loaded machine one
    listing can outlast the whole store, so the store is run again, up to five times."""
    for attempt in range(5):
        if attempt:
            await store.storage.delete_package(MAIN)
        area = stage(store.storage, ladder_files())
        watcher = Watcher(store.storage)
        storing = asyncio.ensure_future(store.storage.put_package(MAIN, area))

        await watcher.watch(storing)
        stored = await storing
        remove_staged(area)  # as the pipeline does before it reports the output
        assert all(MAIN not in seen for seen in watcher.partial_views())
        if watcher.partial_views():
            break

    assert watcher.partial_views(), "the watcher never saw the package part-way stored"
    assert [obj.key for obj in stored.objects] == [*(k for k in LADDER_KEYS if k != MAIN), MAIN]
    assert await keys(store.storage, PREFIX) == LADDER_KEYS
    assert await read_all(store.storage, f"{PREFIX}720p/seg003.ts") == b"720p segment 3"


@pytest.mark.parametrize("fault", ["vanished", "swapped for a link"])
async def test_a_failure_part_way_removes_every_object_stored(store: Store, tmp_path: Path,
                                                              fault: str) -> None:
    """The watcher breaks the last segment once it sees objects stored. It races the store:
    on a loaded machine one listing can take longer than the rest of the store, which then
    linked the segment before the fault and rightly succeeds. Such a lost race is checked
    (the segment is stored whole) and tried again, up to five times."""
    private = tmp_path / "private.key"
    private.write_bytes(b"secret")
    last_key = f"{PREFIX}720p/seg{SEGMENTS - 1:03d}.ts"  # stored just before the main object
    for _ in range(5):
        area = stage(store.storage, ladder_files())
        last = area / "720p" / f"seg{SEGMENTS - 1:03d}.ts"

        def break_it(last: Path = last) -> None:
            last.unlink()
            if fault == "swapped for a link":
                last.symlink_to(private)

        watcher = Watcher(store.storage)
        try:
            await store_watched(store.storage, area, watcher, after=1, act=break_it)
        except StorageError as e:
            raised = e
            break
        remove_staged(area)  # a lost race: the segment was stored whole before the fault
        assert await read_all(store.storage, last_key) == b"720p segment 11"
        await store.storage.delete_package(MAIN)
    else:
        pytest.fail("the store outran the watcher five times: the fault never came in time")

    assert ("vanished" if fault == "vanished" else "link") in str(raised)
    assert watcher.partial_views(), "the fault came before anything was stored"
    assert await keys(store.storage) == []


async def test_a_cancelled_store_leaves_nothing(store: Store) -> None:
    area = stage(store.storage, ladder_files())
    storing = asyncio.ensure_future(store.storage.put_package(MAIN, area))
    watcher = Watcher(store.storage)

    await watcher.watch(storing, after=3, act=storing.cancel)
    with pytest.raises(asyncio.CancelledError):
        await storing

    assert watcher.partial_views(), "the store was cancelled before anything was stored"
    assert await keys(store.storage) == []


async def test_a_package_whose_prefix_is_taken_is_refused_and_the_other_is_untouched(
        store: Store) -> None:
    store.seed(f"{PREFIX}360p/seg000.ts", b"someone else's segment")

    with pytest.raises(Conflict, match="already exists"):
        await store.storage.put_package(MAIN, stage(store.storage, ladder_files()))

    assert await keys(store.storage) == [f"{PREFIX}360p/seg000.ts"]
    assert await read_all(store.storage, f"{PREFIX}360p/seg000.ts") == b"someone else's segment"


async def test_a_package_stored_twice_is_refused_the_second_time_and_stays_whole(
        store: Store) -> None:
    remove_staged(await stored_area(store.storage))
    again = dict.fromkeys(ladder_files(), b"replacement")

    with pytest.raises(Conflict):
        await store.storage.put_package(MAIN, stage(store.storage, again))

    assert await keys(store.storage) == LADDER_KEYS
    assert await read_all(store.storage, MAIN) == ladder_files()["master.m3u8"]


async def test_a_single_file_is_a_package_of_one(store: Store) -> None:
    stored = await store.storage.put_package("out/clip.mp4",
                                             stage(store.storage, {"clip.mp4": b"frames"}))
    store.seed("out/clip.mp4.bak", b"a neighbour sharing the prefix string")

    await store.storage.delete_package("out/clip.mp4")

    assert [(obj.key, obj.size) for obj in stored.objects] == [("out/clip.mp4", 6)]
    assert await keys(store.storage) == ["out/clip.mp4.bak"]


async def test_deleting_a_package_removes_every_object_and_nothing_beside_it(
        store: Store) -> None:
    await store.storage.put_package(MAIN, stage(store.storage, ladder_files()))
    beside = ["out/ladder.mp4", "out/ladder2/master.m3u8", "out/other.mp4"]
    for key in beside:
        store.seed(key, b"not the package's")

    await store.storage.delete_package(MAIN)
    await store.storage.delete_package(MAIN)  # idempotent

    assert await keys(store.storage) == beside


async def test_deleting_the_output_asset_removes_its_whole_package(
        store: Store, uow_factory: UnitOfWorkFactory) -> None:
    await store.storage.put_package(MAIN, stage(store.storage, ladder_files()))
    asset = MediaAsset.register(MAIN, Location.OUTPUT, NOW, 8)
    async with uow_factory() as uow:
        await uow.assets.add(asset)
        await uow.commit()

    await DeleteAsset(uow_factory, store.storage, SystemClock())(str(asset.id))

    assert await keys(store.storage) == []


# --- hostile staging areas (issue 11's rules hold for every member) -----------------------


def plant(kind: str, area: Path, outside: Path) -> None:
    """Put something other than a plain file into a staging area."""
    target = area / "720p" / "seg005.ts"
    target.unlink()
    if kind == "symlink to a private file":
        target.symlink_to(outside)
    elif kind == "symlinked folder":
        (area / "720p" / "keys").symlink_to(outside.parent, target_is_directory=True)
    elif kind == "hard link to a private file":
        os.link(outside, target)
    else:
        os.mkfifo(target)


@pytest.mark.parametrize("kind", ["symlink to a private file", "symlinked folder",
                                  "hard link to a private file", "fifo"])
async def test_a_staging_area_holding_anything_but_plain_files_is_refused_whole(
        store: Store, tmp_path: Path, kind: str) -> None:
    outside = tmp_path / "outside" / "private.key"
    outside.parent.mkdir()
    outside.write_bytes(b"secret")
    area = stage(store.storage, ladder_files())
    plant(kind, area, outside)

    with pytest.raises(RefusedObject):
        await store.storage.put_package(MAIN, area)

    assert await keys(store.storage) == []
    assert outside.read_bytes() == b"secret"


async def test_a_staging_area_that_is_itself_a_link_is_refused(store: Store,
                                                                tmp_path: Path) -> None:
    real = stage(store.storage, ladder_files())
    link = store.storage.staging_dir() / staging_name(uuid.uuid4(), 1)
    link.symlink_to(real, target_is_directory=True)

    with pytest.raises(RefusedObject):
        await store.storage.put_package(MAIN, link)

    assert await keys(store.storage) == []


@pytest.mark.parametrize("main", ["../escape/master.m3u8", "/abs/master.m3u8",
                                  "out/../../x/master.m3u8", "master.m3u8"])
async def test_a_package_headed_outside_the_store_is_refused(store: Store, main: str) -> None:
    area = stage(store.storage, ladder_files())

    with pytest.raises(ValidationError):
        await store.storage.put_package(main, area)
    with pytest.raises(ValidationError):
        await store.storage.delete_package(main)

    assert await keys(store.storage) == []


async def test_a_hidden_member_is_refused_and_nothing_is_stored(store: Store) -> None:
    area = stage(store.storage, {**ladder_files(), "720p/.seg.ts.tmp": b"half written"})

    with pytest.raises(ValidationError, match="hidden"):
        await store.storage.put_package(MAIN, area)

    assert await keys(store.storage) == []


@pytest.mark.parametrize(("file_at", "error"), [("out", StorageError),
                                                 ("out/ladder", Conflict)])
async def test_a_file_where_a_packages_folder_goes_fails_the_store_on_disk(
        tmp_path: Path, file_at: str, error: type[Exception]) -> None:
    """On disk (S3 has no folders): refused in our terms, never as a missing object."""
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / file_at).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "store" / file_at).write_bytes(b"a file")
    storage = FilesystemStorage(tmp_path / "store")

    with pytest.raises(error) as raised:
        await storage.put_package(MAIN, stage(storage, ladder_files()))

    assert not isinstance(raised.value, NotFound)
    assert await keys(storage) == [file_at]
