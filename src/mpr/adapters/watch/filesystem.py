"""StoreChanges on a directory, by the kernel's change notification (watchfiles: inotify)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

from watchfiles import Change, awatch


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

    def _wanted(self, _: Change, path: str) -> bool:
        key = self._key(path)
        return bool(key) and not any(part.startswith(".") for part in key.split("/"))

    def _key(self, path: str) -> str:
        try:
            return Path(path).relative_to(self._root).as_posix()
        except ValueError:
            return ""
