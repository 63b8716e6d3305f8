"""A media store in a local directory; keys map to files below it and never escape it."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from mpr.domain.errors import NotFound, StorageError, ValidationError
from mpr.domain.keys import normalise_key
from mpr.domain.pipeline import StoredObject

CHUNK = 256 * 1024
STAGING = ".mpr-staging"


class FilesystemStorage:
    """MediaStorage over a directory; hidden entries (like the staging area) are not listed."""

    kind = "filesystem"

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(root))

    def path_of(self, key: str) -> Path:
        """The file for a key; ValidationError when the key (or a symlink) leads outside."""
        path = Path(os.path.realpath(self.root / normalise_key(key)))
        if path != self.root and self.root not in path.parents:
            raise ValidationError(f"storage key {key!r} leads outside the store")
        return path

    async def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        objects = await asyncio.to_thread(lambda: list(self._walk(prefix)))
        for obj in objects:
            yield obj

    def _walk(self, prefix: str) -> Iterator[StoredObject]:
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = Path(dirpath) / name
                key = full.relative_to(self.root).as_posix()
                if key.startswith(prefix) and self._inside(full):
                    yield StoredObject(key, full.stat().st_size)

    def _inside(self, path: Path) -> bool:
        real = Path(os.path.realpath(path))
        return self.root in real.parents and real.is_file()

    async def stat(self, key: str) -> StoredObject:
        path = self.path_of(key)
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            raise NotFound("object", key) from None
        except OSError as e:
            raise StorageError(f"cannot stat {key!r}: {e.strerror}") from e
        return StoredObject(normalise_key(key), size)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    async def read(self, key: str, start: int = 0, end: int | None = None
                   ) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise NotFound("object", key) from None
        with handle:
            await asyncio.to_thread(handle.seek, start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                size = CHUNK if remaining is None else min(CHUNK, remaining)
                chunk = await asyncio.to_thread(handle.read, size)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    async def media_locator(self, key: str) -> str:
        return str(self.path_of(key))

    def staging_dir(self) -> Path:
        staging = self.root / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        return staging

    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        target = self.path_of(key)
        try:
            size = await asyncio.to_thread(self._move_into_place, local_path, target)
        except OSError as e:
            raise StorageError(f"cannot store {key!r}: {e}") from e
        return StoredObject(normalise_key(key), size)

    def _move_into_place(self, source: Path, target: Path) -> int:
        """Hard-link beside the target (a copy across filesystems), then rename into place:
        the key appears whole and the source file stays."""
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.parent / f".{uuid.uuid4().hex}.part"
        try:
            try:
                os.link(source, temp)
            except OSError as e:
                if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
                shutil.copyfile(source, temp)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        return target.stat().st_size

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        try:
            await asyncio.to_thread(path.unlink, missing_ok=True)
        except OSError as e:
            raise StorageError(f"cannot delete {key!r}: {e.strerror}") from e

    async def check(self) -> None:
        ok = await asyncio.to_thread(lambda: self.root.is_dir() and os.access(self.root, os.W_OK))
        if not ok:
            raise StorageError(f"{self.root} is not a writable directory")
