"""A directory of cached files (JPEGs, waveforms) bounded in bytes: the least recently used
files go first."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from pathlib import Path

SUFFIX = ".jpg"
ABANDONED = 300.0  # seconds: no thumbnail takes this long to write


class ThumbnailCache:
    """Files `<root>/<key><suffix>` (.jpg unless told) holding at most `max_bytes` in all (the
    newest always stays).

    Recency is tracked here, in memory (every hit and every new file), not read from the
    filesystem's atime; at first use the files already there are ordered by modification
    time, oldest first. Files being written start with a dot and are not counted; those a
    killed process left (older than ABANDONED seconds) are removed then."""

    def __init__(self, root: Path, max_bytes: int, suffix: str = SUFFIX) -> None:
        self._root = root
        self._suffix = suffix
        self._max_bytes = max_bytes
        self._entries: OrderedDict[str, int] | None = None  # key -> size, least recent first
        self._total = 0
        self._loading = asyncio.Lock()

    @property
    def total_bytes(self) -> int:
        return self._total

    def path(self, key: str) -> Path:
        return self._root / f"{key}{self._suffix}"

    async def hit(self, key: str) -> Path | None:
        """The cached file, now the most recently used; None when it is not cached."""
        entries = await self._loaded()
        if key not in entries:
            return None
        path = self.path(key)
        if not path.is_file():  # removed behind our back
            self._total -= entries.pop(key)
            return None
        entries.move_to_end(key)
        return path

    async def add(self, key: str) -> Path:
        """Count a file just placed at path(key) as the most recent; evict the least recent."""
        entries = await self._loaded()
        path = self.path(key)
        size = path.stat().st_size
        self._total += size - entries.pop(key, 0)
        entries[key] = size
        self._evict(entries)
        return path

    def _evict(self, entries: OrderedDict[str, int]) -> None:
        while self._total > self._max_bytes and len(entries) > 1:
            key, size = entries.popitem(last=False)
            self._total -= size
            self.path(key).unlink(missing_ok=True)

    async def _loaded(self) -> OrderedDict[str, int]:
        if self._entries is None:
            async with self._loading:
                if self._entries is None:
                    found = await asyncio.to_thread(self._existing)
                    self._entries = OrderedDict(found)
                    self._total = sum(found.values())
                    self._evict(self._entries)
        return self._entries

    def _existing(self) -> dict[str, int]:
        """Files already cached, oldest modification first."""
        files = []
        now = time.time()
        for path in self._root.rglob(f"*{self._suffix}"):
            if not path.is_file():
                continue
            stat = path.stat()
            if path.name.startswith("."):
                if now - stat.st_mtime > ABANDONED:
                    path.unlink(missing_ok=True)
                continue
            key = path.relative_to(self._root).as_posix().removesuffix(self._suffix)
            files.append((stat.st_mtime_ns, key, stat.st_size))
        return {key: size for _, key, size in sorted(files)}
