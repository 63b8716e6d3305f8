"""StoreChanges on a directory, by the kernel's change notification (watchfiles: inotify).

Whether a file is still being written is asked of the kernel: a read lease (fcntl
F_SETLEASE) is refused with EAGAIN while any process has the file open for writing, and the
lease is let go at once. Where leases cannot be taken (another owner without CAP_LEASE, a
network or FUSE filesystem, leases disabled), the answer is "cannot tell"."""

from __future__ import annotations

import asyncio
import errno
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

from watchfiles import Change, awatch

from mpr.adapters.storage.safe_open import close_quietly, open_object
from mpr.domain.errors import MprError


class FilesystemChanges:
    """Keys of files added or modified below root; hidden files and folders are left out."""

    def __init__(self, root: Path, debounce_ms: int = 50) -> None:
        self._root = Path(os.path.realpath(root))  # as FilesystemStorage names its root
        self._debounce = debounce_ms

    async def changes(self) -> AsyncIterator[set[str]]:
        async for batch in awatch(self._root, debounce=self._debounce, step=self._debounce,
                                  watch_filter=self._wanted, recursive=True):
            keys = {self._key(path) for change, path in batch if change is not Change.deleted}
            keys.discard("")
            if keys:
                yield keys

    async def being_written(self, key: str) -> bool:
        return await asyncio.to_thread(self._open_for_writing, key)

    def _open_for_writing(self, key: str) -> bool:
        try:
            fd = open_object(str(self._root), key)  # read-only, no links followed
        except (MprError, OSError):
            return False  # gone or refused: the settle pass's stat decides
        try:
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        except OSError as e:
            return e.errno == errno.EAGAIN  # EACCES, EINVAL, ...: cannot tell
        else:
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
            return False
        finally:
            close_quietly(fd)

    def _wanted(self, _: Change, path: str) -> bool:
        key = self._key(path)
        return bool(key) and not any(part.startswith(".") for part in key.split("/"))

    def _key(self, path: str) -> str:
        try:
            return Path(path).relative_to(self._root).as_posix()
        except ValueError:
            return ""
