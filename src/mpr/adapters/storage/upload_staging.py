"""UploadStaging on a local directory: `<id>.part` holds the bytes, `<id>.json` the record.

One writer per upload at a time, across processes, by a non-blocking flock on its `.part`
file; records are replaced atomically (write, then rename)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mpr.adapters.storage.early_read import EarlyRead, hold_seconds
from mpr.adapters.storage.safe_open import close_quietly
from mpr.domain.errors import NotFound, StorageError
from mpr.domain.pipeline import MediaSource
from mpr.domain.ports import BodyCopy, EarlyReader
from mpr.domain.upload import (
    ChecksumMismatch,
    OffsetMismatch,
    StagingFull,
    Upload,
    UploadGone,
    UploadOptions,
    UploadState,
    UploadTooLarge,
)

FLUSH_BYTES = 4 * 1024 * 1024  # bytes gathered before one thread hop
# One write call's most. On ext4 with large folios (Linux 6.18 here) a write of 1 MiB or
# more took about four times the CPU of the same bytes in 256 KiB calls: 1.2 to 1.4 s
# against 0.3 s per GiB into the page cache (2026-12-03, this VM).
WRITE_BYTES = 256 * 1024
WRITE_VIEWS = 512  # one call's most buffers (the kernel refuses more than IOV_MAX, 1024)
CHECKSUMS = {"sha1": "sha1", "sha256": "sha256", "md5": "md5"}


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


class DiskUploadStaging:
    """Uploads staged in one directory (put it on the input store's filesystem: finished
    files are then hard-linked into the store, not copied)."""

    def __init__(self, root: Path, free: Callable[[Path], int] = free_bytes,
                 early_seconds: float | None = None) -> None:
        self.root = root
        self._free = free
        # how long an early reader may be held back (early_read); 0: never start one
        self._hold_seconds = hold_seconds() if early_seconds is None else early_seconds

    def _dir(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root

    def path(self, upload_id: uuid.UUID) -> Path:
        return self._dir() / f"{upload_id}.part"

    def _record(self, upload_id: uuid.UUID) -> Path:
        return self._dir() / f"{upload_id}.json"

    async def create(self, upload: Upload) -> None:
        await asyncio.to_thread(self._create, upload)

    def _create(self, upload: Upload) -> None:
        room = self._free(self._dir())
        if upload.length > room:
            raise StagingFull(f"not enough disk space for an upload of {upload.length} bytes "
                              f"({room} free in the staging area)")
        try:
            fd = os.open(self.path(upload.id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            self._write_record(upload)
        except OSError as e:
            self._remove(upload.id)
            raise StorageError(f"cannot stage the upload: {e.strerror}") from None

    async def get(self, upload_id: uuid.UUID) -> Upload:
        return await asyncio.to_thread(self._read_record, upload_id)

    def _read_record(self, upload_id: uuid.UUID) -> Upload:
        try:
            data = json.loads(self._record(upload_id).read_text("utf-8"))
        except FileNotFoundError:
            raise NotFound("upload", upload_id) from None
        except (OSError, ValueError) as e:
            raise StorageError(f"cannot read upload {upload_id}: {e}") from None
        return _from_json(data)

    async def save(self, upload: Upload) -> None:
        await asyncio.to_thread(self._write_record, upload)

    def _write_record(self, upload: Upload) -> None:
        target = self._record(upload.id)
        temp = target.with_suffix(f".{uuid.uuid4().hex[:8]}.tmp")
        try:
            temp.write_text(json.dumps(_to_json(upload)), "utf-8")
            os.replace(temp, target)
        except OSError as e:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise StorageError(f"cannot record upload {upload.id}: {e.strerror}") from None

    async def append(self, upload_id: uuid.UUID, offset: int, chunks: AsyncIterator[bytes],
                     checksum: tuple[str, bytes] | None = None, copy: BodyCopy | None = None,
                     early: EarlyReader | None = None) -> Upload:
        fd = await asyncio.to_thread(self._open_locked, upload_id)
        try:
            upload = await self.get(upload_id)
            upload.check_patch(offset, None)
            start = None if early is None else functools.partial(early, MediaSource(
                locator=str(self.path(upload_id)), name=upload.options.filename))
            with EarlyRead(fd, start, self._hold_seconds) as held:
                if copy is None:
                    upload.offset = await self._write_chunks(fd, upload, chunks, checksum)
                else:
                    upload.offset = await self._write_copied(fd, upload, copy, checksum)
                if upload.complete:
                    held.finished()
            _refuse_if_removed(fd, upload_id)
            await self.save(upload)
            return upload
        finally:
            close_quietly(fd)  # closing releases the lock

    def _open_locked(self, upload_id: uuid.UUID) -> int:
        busy = OffsetMismatch(f"another request is writing upload {upload_id}; wait for it "
                              "to end, then ask for the offset with HEAD")
        try:
            # O_NONBLOCK: refused at once, not held back, when a final PATCH leases the file
            fd = os.open(self.path(upload_id), os.O_WRONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            raise NotFound("upload", upload_id) from None
        except BlockingIOError:
            raise busy from None
        try:
            os.set_blocking(fd, True)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise busy from None
        return fd

    async def _write_chunks(self, fd: int, upload: Upload, chunks: AsyncIterator[bytes],
                            checksum: tuple[str, bytes] | None) -> int:
        """The new offset; bytes of a broken body are kept, unless a checksum was given."""
        start = upload.offset
        writer = _Writer(fd, start)
        hasher = hashlib.new(CHECKSUMS[checksum[0]]) if checksum else None
        try:
            async for chunk in chunks:
                if writer.end + len(chunk) > upload.length:
                    raise UploadTooLarge(f"the body goes past the declared Upload-Length "
                                         f"{upload.length}")
                writer.add(chunk)
                if hasher is not None:
                    hasher.update(chunk)
                if writer.batched >= FLUSH_BYTES:
                    await writer.flush()
            await writer.flush(wait=True)
        except (UploadTooLarge, StagingFull, StorageError):
            await writer.abandon(start)
            raise
        except BaseException:
            if hasher is not None:  # unverifiable: keep nothing of this body
                await writer.abandon(start)
                raise
            with contextlib.suppress(StorageError):
                await asyncio.shield(writer.flush(wait=True))
            await self._keep_broken(fd, upload, writer.at)
            raise
        if checksum is not None and hasher is not None and hasher.digest() != checksum[1]:
            await writer.abandon(start)
            raise _mismatch(checksum)
        return writer.at

    async def _write_copied(self, fd: int, upload: Upload, copy: BodyCopy,
                            checksum: tuple[str, bytes] | None) -> int:
        """As `_write_chunks`, for a body the server copies: written in its thread."""
        start = upload.offset
        sink = _Sink(fd, start, upload.length, checksum)
        try:
            await copy(sink.write)
        except (UploadTooLarge, StagingFull, StorageError):
            await asyncio.to_thread(os.ftruncate, fd, start)
            raise
        except BaseException:
            if checksum is not None:
                await asyncio.shield(asyncio.to_thread(os.ftruncate, fd, start))
            else:
                await self._keep_broken(fd, upload, sink.at)
            raise
        if not sink.checksum_matches():
            await asyncio.to_thread(os.ftruncate, fd, start)
            raise _mismatch(checksum)
        return sink.at

    async def _keep_broken(self, fd: int, upload: Upload, at: int) -> None:
        """A body broke off: its bytes up to `at` are kept (unless the upload went)."""
        upload.offset = at
        if os.fstat(fd).st_nlink:  # not cancelled (removed) meanwhile
            await asyncio.shield(self.save(upload))

    @contextlib.asynccontextmanager
    async def open_source(self, upload_id: uuid.UUID) -> AsyncIterator[MediaSource]:
        upload = await self.get(upload_id)
        fd = await asyncio.to_thread(os.open, self.path(upload_id), os.O_RDONLY | os.O_CLOEXEC)
        try:
            yield MediaSource(locator=f"/dev/fd/{fd}", name=upload.options.filename, fds=(fd,))
        finally:
            close_quietly(fd)

    async def discard_bytes(self, upload_id: uuid.UUID) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self.path(upload_id).unlink)

    async def remove(self, upload_id: uuid.UUID) -> None:
        await asyncio.to_thread(self._remove, upload_id)

    def _remove(self, upload_id: uuid.UUID) -> None:
        for path in (self.path(upload_id), self._record(upload_id)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    async def all(self) -> Sequence[Upload]:
        return await asyncio.to_thread(self._all)

    def _all(self) -> list[Upload]:
        uploads = []
        for record in self._dir().glob("*.json"):
            with contextlib.suppress(ValueError, NotFound, StorageError):
                uploads.append(self._read_record(uuid.UUID(record.stem)))
        return uploads


class _Sink:
    """Takes a copied body's pieces in the server's thread: bounds, hash, write."""

    def __init__(self, fd: int, at: int, length: int,
                 checksum: tuple[str, bytes] | None) -> None:
        self._fd, self.at, self._length = fd, at, length
        self._digest = checksum[1] if checksum else None
        self._hasher = hashlib.new(CHECKSUMS[checksum[0]]) if checksum else None

    def write(self, piece: memoryview) -> None:
        if self.at + len(piece) > self._length:
            raise UploadTooLarge(f"the body goes past the declared Upload-Length {self._length}")
        if self._hasher is not None:
            self._hasher.update(piece)
        try:
            if len(piece) > WRITE_BYTES:
                _pwrite_all(self._fd, [piece], self.at)
                self.at += len(piece)
                return
            while piece:  # one call, unless the kernel writes less than asked
                done = os.pwrite(self._fd, piece, self.at)
                self.at += done
                piece = piece[done:]
        except OSError as e:
            raise _write_error(e) from None

    def checksum_matches(self) -> bool:
        return self._hasher is None or self._hasher.digest() == self._digest


class _Writer:
    """Writes batches of chunks in a thread while the next batch arrives (one write at a
    time, in order); `at` is the offset up to which bytes are on disk."""

    def __init__(self, fd: int, at: int) -> None:
        self._fd, self.at = fd, at
        self._batch: list[bytes] = []
        self.batched = 0
        self._inflight: asyncio.Future[None] | None = None
        self._inflight_bytes = 0

    @property
    def end(self) -> int:
        """The offset after every byte received so far."""
        return self.at + self._inflight_bytes + self.batched

    def add(self, chunk: bytes) -> None:
        self._batch.append(chunk)
        self.batched += len(chunk)

    async def flush(self, wait: bool = False) -> None:
        """Start writing the batch once the previous write ended; with wait, until written."""
        await self._settle()
        if self._batch:
            batch, self._batch = self._batch, []
            self._inflight_bytes, self.batched = self.batched, 0
            self._inflight = asyncio.ensure_future(
                asyncio.to_thread(_pwrite_all, self._fd, batch, self.at))
        if wait:
            await self._settle()

    async def _settle(self) -> None:
        if self._inflight is None:
            return
        inflight, self._inflight = self._inflight, None
        try:
            await inflight
        except OSError as e:
            self._inflight_bytes = 0
            raise _write_error(e) from None
        self.at += self._inflight_bytes
        self._inflight_bytes = 0

    async def abandon(self, start: int) -> None:
        """Drop what this request wrote: the file ends at start again."""
        self._batch, self.batched = [], 0
        with contextlib.suppress(StorageError, StagingFull):
            await asyncio.shield(self._settle())
        await asyncio.to_thread(os.ftruncate, self._fd, start)
        self.at = start


def _write_error(e: OSError) -> StorageError | StagingFull:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return StagingFull("the upload staging disk is full; the bytes of this request were "
                           "not kept")
    return StorageError(f"cannot write the upload: {e.strerror}")


def _mismatch(checksum: tuple[str, bytes] | None) -> ChecksumMismatch:
    algorithm = checksum[0] if checksum else "?"
    return ChecksumMismatch(f"Upload-Checksum {algorithm} does not match the bytes sent; they "
                            "were not kept")


def _refuse_if_removed(fd: int, upload_id: uuid.UUID) -> None:
    """An upload cancelled (or expired) while this request wrote it stays gone."""
    if os.fstat(fd).st_nlink == 0:
        raise UploadGone("upload", upload_id, f"upload {upload_id} was cancelled or expired "
                         "while its bytes arrived; they were removed")


def _pwrite_all(fd: int, chunks: Sequence[bytes | memoryview], at: int) -> None:
    """Writes the chunks at `at`: small ones gathered, at most WRITE_BYTES per call."""
    for group in _groups(chunks):
        while group:
            done = os.pwritev(fd, group, at)
            at += done
            while done:  # drop what was written (a short write leaves part of a view)
                if done >= len(group[0]):
                    done -= len(group.pop(0))
                else:
                    group[0], done = group[0][done:], 0


def _groups(chunks: Sequence[bytes | memoryview]) -> Iterator[list[memoryview]]:
    """The chunks' bytes, in order, as lists of at most WRITE_VIEWS views and WRITE_BYTES."""
    group: list[memoryview] = []
    room = WRITE_BYTES
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            piece, view = view[:room], view[room:]
            group.append(piece)
            room -= len(piece)
            if not room or len(group) == WRITE_VIEWS:
                yield group
                group, room = [], WRITE_BYTES
    if group:
        yield group


def _to_json(upload: Upload) -> dict[str, Any]:
    o = upload.options
    return {"id": str(upload.id), "length": upload.length, "offset": upload.offset,
            "state": upload.state.value, "created_by": upload.created_by,
            "created_at": upload.created_at.isoformat(),
            "expires_at": upload.expires_at.isoformat(),
            "asset_id": str(upload.asset_id) if upload.asset_id else None,
            "job_ids": [str(j) for j in upload.job_ids],
            "options": {"filename": o.filename, "presets": list(o.presets),
                        "trim_start": o.trim_start, "trim_end": o.trim_end}}


def _from_json(data: dict[str, Any]) -> Upload:
    o = data["options"]
    return Upload(id=uuid.UUID(data["id"]), length=int(data["length"]),
                  offset=int(data["offset"]), state=UploadState(data["state"]),
                  created_by=data["created_by"],
                  created_at=datetime.fromisoformat(data["created_at"]),
                  expires_at=datetime.fromisoformat(data["expires_at"]),
                  asset_id=uuid.UUID(data["asset_id"]) if data["asset_id"] else None,
                  job_ids=[uuid.UUID(j) for j in data["job_ids"]],
                  options=UploadOptions(o["filename"], tuple(o["presets"]), o["trim_start"],
                                        o["trim_end"]))
