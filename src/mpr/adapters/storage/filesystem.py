"""A media store in a local directory; keys map to files below it and never escape it.

Every access opens the key once from the root without following links (see safe_open) and
uses that descriptor: the HTTP stream reads it, ffmpeg and ffprobe inherit it."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import shutil
import stat
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO

from mpr.adapters.storage.safe_open import close_quietly, open_folder, open_object
from mpr.adapters.storage.staging_area import open_staged, staged_package
from mpr.domain.errors import Conflict, NotFound, StorageError
from mpr.domain.keys import normalise_key
from mpr.domain.package import Package, StoredPackage, is_folder_prefix, package_prefix
from mpr.domain.pipeline import MediaSource, StoredObject

log = logging.getLogger(__name__)
CHUNK = 256 * 1024
STAGING = ".mpr-staging"


class FilesystemStorage:
    """MediaStorage over a directory; hidden entries (like the staging area) are not listed."""

    kind = "filesystem"

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(root))

    async def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        objects = await asyncio.to_thread(lambda: list(self._walk(prefix)))
        for obj in objects:
            yield obj

    def _walk(self, prefix: str) -> Iterator[StoredObject]:
        """Regular files only, by lstat: links, FIFOs and devices are never listed or opened."""
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                full = Path(dirpath) / name
                key = full.relative_to(self.root).as_posix()
                if name.startswith(".") or not key.startswith(prefix):
                    continue
                with contextlib.suppress(OSError):
                    info = full.lstat()
                    if stat.S_ISREG(info.st_mode):
                        yield StoredObject(key, info.st_size)

    async def stat(self, key: str) -> StoredObject:
        size = await asyncio.to_thread(self._size, key)
        return StoredObject(normalise_key(key), size)

    def _size(self, key: str) -> int:
        fd = open_object(str(self.root), key)
        try:
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    async def exists(self, key: str) -> bool:
        """True when anything is stored under the key, even an object that would be refused."""
        try:
            await self.stat(key)
        except NotFound:
            return False
        except StorageError:
            return True
        return True

    async def read(self, key: str, start: int = 0, end: int | None = None
                   ) -> AsyncIterator[bytes]:
        reader = await self.open_reader(key)
        try:
            async for chunk in reader.chunks(start, end):
                yield chunk
        finally:
            await reader.close()

    async def open_reader(self, key: str) -> FileReader:
        fd = await asyncio.to_thread(open_object, str(self.root), key)
        return FileReader(fd, os.fstat(fd).st_size)

    @contextlib.asynccontextmanager
    async def open_source(self, key: str) -> AsyncIterator[MediaSource]:
        """The opened file as '/dev/fd/N': the reader reopens that very inode, seekable."""
        fd = await asyncio.to_thread(open_object, str(self.root), key)
        try:
            yield MediaSource(locator=f"/dev/fd/{fd}", name=normalise_key(key), fds=(fd,))
        finally:
            close_quietly(fd)

    def staging_dir(self) -> Path:
        staging = self.root / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        return staging

    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        key = normalise_key(key)
        try:
            size = await asyncio.to_thread(self._place, local_path, key)
        except FileExistsError:
            raise Conflict(f"output {key!r} already exists in the store; "
                           "MPR never replaces an object") from None
        except OSError as e:
            raise StorageError(f"cannot store {key!r}: {e.strerror}") from None
        return StoredObject(key, size)

    def _place(self, source: Path, key: str) -> int:
        """Hard-link the finished file under its name (a copy across filesystems): the key
        appears whole, the source stays, and an existing object is never replaced."""
        return self._place_at(key, lambda name, dir_fd: _link_or_copy(
            str(source), name, dir_fd, lambda: open(source, "rb")))

    def _place_at(self, key: str, place: Callable[[str, int], None]) -> int:
        """Place a file under the key (its folders made on the way); its size."""
        *folders, name = key.split("/")
        dir_fd = open_folder(str(self.root), folders, key, create=True)
        try:
            place(name, dir_fd)
            return os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_size
        finally:
            os.close(dir_fd)

    async def put_package(self, main_key: str, staged: Path) -> StoredPackage:
        """Claim a folder prefix by making its folder (refused if anything has its name), then
        link each member in, the main object last; a failure removes what was placed."""
        package = await asyncio.to_thread(staged_package, main_key, staged)
        placed = _Placed()
        try:
            if is_folder_prefix(package.prefix):
                await _settled(package.prefix, partial(self._claim_folder, package, placed))
            for key in package.member_keys:  # a thread hop each: readers may look between
                await _settled(key, partial(self._place_staged, staged, package, key, placed))
        except BaseException:
            await asyncio.shield(asyncio.to_thread(self._undo, package, placed))
            raise
        return StoredPackage(package, tuple(placed.stored))

    def _claim_folder(self, package: Package, placed: _Placed) -> None:
        *parents, name = package.prefix.rstrip("/").split("/")
        dir_fd = open_folder(str(self.root), parents, package.prefix, create=True)
        try:
            os.mkdir(name, dir_fd=dir_fd)  # fails when anything has the name already
            placed.claimed = True
        finally:
            os.close(dir_fd)

    def _place_staged(self, staged: Path, package: Package, key: str, placed: _Placed) -> None:
        fd = open_staged(staged, package, key)
        try:
            size = self._place_at(key, lambda name, dir_fd: _link_fd(fd, name, dir_fd))
            placed.stored.append(StoredObject(key, size))
        finally:
            os.close(fd)

    def _undo(self, package: Package, placed: _Placed) -> None:
        """Remove what a failed package store placed: the folder it made, or its one object."""
        if placed.claimed or (placed.stored and not is_folder_prefix(package.prefix)):
            try:
                self._remove_package(package.main_key)
            except NotFound:
                return  # nothing left to remove
            except (OSError, StorageError) as e:
                log.warning("could not remove the partly stored package %r: %s",
                            package.prefix, e)

    async def delete_package(self, main_key: str) -> None:
        try:
            await asyncio.to_thread(self._remove_package, main_key)
        except (NotFound, FileNotFoundError):
            return
        except OSError as e:
            raise StorageError(f"cannot delete the package of {main_key!r}: {e.strerror}"
                               ) from None

    def _remove_package(self, main_key: str) -> None:
        """The main object first (readers stop seeing the package), then its folder's tree,
        removed through descriptors so no link inside it leads anywhere else."""
        *folders, name = normalise_key(main_key).split("/")
        with contextlib.suppress(NotFound, FileNotFoundError):
            self._unlink(folders, name)
        prefix = package_prefix(main_key)
        if is_folder_prefix(prefix):
            *parents, folder = prefix.rstrip("/").split("/")
            dir_fd = open_folder(str(self.root), parents, prefix)
            try:
                shutil.rmtree(folder, dir_fd=dir_fd)
            finally:
                os.close(dir_fd)

    async def delete(self, key: str) -> None:
        *folders, name = normalise_key(key).split("/")
        try:
            await asyncio.to_thread(self._unlink, folders, name)
        except (NotFound, FileNotFoundError):
            return
        except OSError as e:
            raise StorageError(f"cannot delete {key!r}: {e.strerror}") from None

    def _unlink(self, folders: Sequence[str], name: str) -> None:
        dir_fd = open_folder(str(self.root), folders, "/".join([*folders, name]))
        try:
            os.unlink(name, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)

    async def check(self) -> None:
        ok = await asyncio.to_thread(lambda: self.root.is_dir() and os.access(self.root, os.W_OK))
        if not ok:
            raise StorageError(f"the {self.root.name!r} media directory is not a writable "
                               "directory")


class FileReader:
    """An ObjectReader on an opened descriptor: positional reads, never a second open."""

    def __init__(self, fd: int, size: int) -> None:
        self._fd: int | None = fd
        self.size = size

    async def chunks(self, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        offset = start
        while (end is None or offset < end) and self._fd is not None:
            size = CHUNK if end is None else min(CHUNK, end - offset)
            chunk = await asyncio.to_thread(os.pread, self._fd, size, offset)
            if not chunk:
                return
            offset += len(chunk)
            yield chunk

    async def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            close_quietly(fd)

    def __del__(self) -> None:  # a response never streamed still gives its descriptor back
        if self._fd is not None:
            close_quietly(self._fd)


@dataclass(slots=True)
class _Placed:
    """What one package store has placed so far (written by its threads)."""

    claimed: bool = False
    stored: list[StoredObject] = field(default_factory=list)


async def _settled(key: str, call: Callable[[], None]) -> None:
    """Run a placing step in a thread; if cancelled meanwhile, wait for the thread to end so
    what it placed is known before anything is undone. Errors in our terms."""
    step = asyncio.ensure_future(asyncio.to_thread(call))
    try:
        await asyncio.shield(step)
    except asyncio.CancelledError:
        await asyncio.gather(step, return_exceptions=True)
        raise
    except FileExistsError:
        raise Conflict(f"output {key!r} already exists in the store; "
                       "MPR never replaces an object") from None
    except NotFound:  # open_folder's answer for a file where a folder of the key should be
        raise StorageError(f"cannot store {key!r}: a folder on its way is a file") from None
    except OSError as e:
        raise StorageError(f"cannot store {key!r}: {e.strerror}") from None


def _link_fd(fd: int, name: str, dir_fd: int) -> None:
    """Link the opened file itself under name (through /proc: the inode that was checked,
    whatever its staged path points at now); a copy where linking is not possible."""
    _link_or_copy(f"/proc/self/fd/{fd}", name, dir_fd, lambda: os.fdopen(os.dup(fd), "rb"))


def _link_or_copy(source: str, name: str, dir_fd: int, reopen: Callable[[], BinaryIO]) -> None:
    try:
        os.link(source, name, dst_dir_fd=dir_fd)
    except OSError as e:
        if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOENT):
            raise
        with reopen() as src:
            _copy_in(src, name, dir_fd)


def _copy_in(src: BinaryIO, name: str, dir_fd: int) -> None:
    """Copy into a hidden temporary file, then link it under name (never replacing one)."""
    temp = f".{uuid.uuid4().hex}.part"
    out = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644,
                  dir_fd=dir_fd)
    try:
        with os.fdopen(out, "wb", closefd=False) as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    finally:
        os.close(out)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp, dir_fd=dir_fd)
