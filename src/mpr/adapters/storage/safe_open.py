"""Open a key below a store's root once, never following a link and never blocking.

Each path component is opened relative to its parent's descriptor with O_NOFOLLOW, so no
symlink (swapped in at any moment) can lead outside the root; the final descriptor is then
checked with fstat, so what is read is exactly what was checked: a regular file with one link.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Sequence

from mpr.domain.errors import NotFound, RefusedObject, StorageError
from mpr.domain.keys import normalise_key

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO or a device returns at once instead of waiting for a writer.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def open_object(root: str, key: str) -> int:
    """A read-only descriptor on the regular, singly linked file under key; the caller closes it.

    NotFound when nothing is there; RefusedObject when a component is a link, or the object is
    not a regular file or has other hard links (it could be a file from outside the store)."""
    *folders, name = normalise_key(key).split("/")
    parent = open_folder(root, folders, key)
    try:
        fd = _open(name, parent, _FILE_FLAGS, key)
    finally:
        os.close(parent)
    try:
        check_plain(os.fstat(fd), key)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_folder(root: str, folders: Sequence[str], key: str, *, create: bool = False) -> int:
    """A descriptor on the key's folder, walked down from the root without following links
    (made on the way when create); errors as open_object's."""
    fd = _open(root, None, _DIR_FLAGS, key)
    try:
        for part in folders:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, dir_fd=fd)
            parent, fd = fd, -1
            try:
                fd = _open(part, parent, _DIR_FLAGS, key)
            finally:
                os.close(parent)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        raise
    return fd


def _open(name: str, dir_fd: int | None, flags: int, key: str) -> int:
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        raise NotFound("object", key) from None
    except NotADirectoryError:  # a file where a folder should be, or a link to a folder
        if _is_link(name, dir_fd):
            raise _through_link(key) from None
        raise NotFound("object", key) from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise _through_link(key) from None
        raise StorageError(f"cannot open {key!r}: {e.strerror}") from None


def _is_link(name: str, dir_fd: int | None) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _through_link(key: str) -> RefusedObject:
    return RefusedObject(f"{key!r} is refused: it is or passes through a symbolic link, "
                         "and keys never follow links")


def check_plain(info: os.stat_result, key: str) -> None:
    """RefusedObject unless the stat describes a regular file with exactly one link."""
    if not stat.S_ISREG(info.st_mode):
        raise RefusedObject(f"{key!r} is refused: it is not a regular file "
                           f"({_kind(info.st_mode)})")
    if info.st_nlink != 1:
        raise RefusedObject(f"{key!r} is refused: it has {info.st_nlink} hard links, and only "
                           "files with one link are read (another could be a private file)")


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a link"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def close_quietly(fd: int) -> None:
    """Close a descriptor that may already be closed."""
    with contextlib.suppress(OSError):
        os.close(fd)
