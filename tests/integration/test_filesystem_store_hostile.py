"""The filesystem store against files placed behind its back: links, hard links, FIFOs."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from mpr.adapters.storage.filesystem import FilesystemStorage
from mpr.domain.errors import NotFound, RefusedObject
from mpr.domain.pipeline import StoredObject

SECRET = b"root:x:0:0:private"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "private.mp4"
    secret.parent.mkdir()
    secret.write_bytes(SECRET)
    return secret


@pytest.fixture
def root(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    store.mkdir()
    (store / "clip.mp4").write_bytes(b"in the store")
    return store


async def read_all(storage: FilesystemStorage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key)])


async def every_access_refuses(storage: FilesystemStorage, key: str) -> None:
    with pytest.raises(RefusedObject):
        await storage.stat(key)
    with pytest.raises(RefusedObject):
        await read_all(storage, key)
    with pytest.raises(RefusedObject):
        async with storage.open_source(key):
            pass


async def test_a_symlink_to_a_file_outside_is_never_read(root: Path, outside: Path) -> None:
    (root / "link.mp4").symlink_to(outside)

    await every_access_refuses(FilesystemStorage(root), "link.mp4")


async def test_a_symlink_inside_the_store_is_refused_too(root: Path) -> None:
    (root / "alias.mp4").symlink_to(root / "clip.mp4")

    await every_access_refuses(FilesystemStorage(root), "alias.mp4")


async def test_a_symlinked_folder_is_never_walked_through(root: Path, outside: Path) -> None:
    (root / "folder").symlink_to(outside.parent)

    await every_access_refuses(FilesystemStorage(root), "folder/private.mp4")


async def test_a_hard_link_to_a_private_file_is_never_read(root: Path, outside: Path) -> None:
    os.link(outside, root / "x.mp4")

    await every_access_refuses(FilesystemStorage(root), "x.mp4")


async def test_a_fifo_is_refused_at_once_without_waiting_for_a_writer(root: Path) -> None:
    os.mkfifo(root / "fifo.mp4")
    storage = FilesystemStorage(root)

    await asyncio.wait_for(every_access_refuses(storage, "fifo.mp4"), 2)


async def test_listing_shows_only_regular_files_and_never_opens_a_fifo(
        root: Path, outside: Path) -> None:
    (root / "link.mp4").symlink_to(outside)
    (root / "folder").symlink_to(outside.parent)
    os.mkfifo(root / "fifo.mp4")

    listed = await asyncio.wait_for(_listed(FilesystemStorage(root)), 2)

    assert listed == [StoredObject("clip.mp4", len(b"in the store"))]


async def _listed(storage: FilesystemStorage) -> list[StoredObject]:
    return [obj async for obj in storage.list()]


async def test_an_opened_source_keeps_reading_the_checked_file_after_a_swap(
        root: Path, outside: Path) -> None:
    storage = FilesystemStorage(root)

    async with storage.open_source("clip.mp4") as source:
        (root / "clip.mp4").unlink()
        (root / "clip.mp4").symlink_to(outside)
        data = Path(source.locator).read_bytes()  # what ffmpeg opens: /dev/fd/N

    assert len(source.fds) == 1
    assert source.locator == f"/dev/fd/{source.fds[0]}"
    assert data == b"in the store"


async def test_put_file_never_writes_through_a_symlinked_folder(root: Path, outside: Path,
                                                                tmp_path: Path) -> None:
    (root / "out").symlink_to(outside.parent)
    local = tmp_path / "result.mp4"
    local.write_bytes(b"output")

    with pytest.raises(RefusedObject):
        await FilesystemStorage(root).put_file("out/new.mp4", local)

    assert sorted(p.name for p in outside.parent.iterdir()) == ["private.mp4"]


async def test_delete_never_removes_through_a_symlinked_folder(root: Path, outside: Path) -> None:
    (root / "out").symlink_to(outside.parent)

    with pytest.raises(RefusedObject):
        await FilesystemStorage(root).delete("out/private.mp4")

    assert outside.read_bytes() == SECRET


async def test_a_key_under_a_file_is_not_found(root: Path) -> None:
    with pytest.raises(NotFound):
        await FilesystemStorage(root).stat("clip.mp4/inner.mp4")
