"""Ports of the media stores: objects read, stored and watched, and upload staging."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from mpr.domain.package import StoredPackage
from mpr.domain.pipeline import (
    MediaSource,
    StoredObject,
)
from mpr.domain.upload import Upload


class ObjectReader(Protocol):
    """One opened object: its size and bytes come from that object whatever the key points at
    meanwhile."""

    @property
    def size(self) -> int:
        """The opened object's size in bytes."""
        ...

    def chunks(self, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes from start up to end (exclusive); StorageError if the object changed."""
        ...

    async def close(self) -> None:
        """Release the object; closing twice is harmless."""
        ...


class MediaStorage(Protocol):
    """One media store (input or output); keys are relative '/'-separated paths."""

    kind: str

    def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        """Every object under the prefix, in any order, however many there are."""
        ...

    async def stat(self, key: str) -> StoredObject:
        """The object's size; NotFound when it does not exist, StorageError when it is not
        a plain object (a link, a FIFO, a file with several hard links)."""
        ...

    async def exists(self, key: str) -> bool:
        """True when an object is stored under the key."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The object's bytes from start up to end (exclusive), in chunks, from one open that
        never follows a link and never blocks; NotFound / StorageError as `stat`."""
        ...

    async def open_reader(self, key: str) -> ObjectReader:
        """The object opened once for reading (NotFound / StorageError as `stat`); the caller
        closes the reader."""
        ...

    def open_source(self, key: str) -> AbstractAsyncContextManager[MediaSource]:
        """The object opened for ffmpeg/ffprobe for the block's duration (NotFound / StorageError
        as `stat`); a remote store yields a URL for that object alone without a round trip."""
        ...

    def staging_dir(self) -> Path:
        """A local directory for outputs being written, from which put_file moves cheaply."""
        ...

    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        """Store a copy of a finished local file under the key atomically (the key appears
        only complete); Conflict when an object is already there (it is never replaced).
        The local file is left in place for the caller to read or remove."""
        ...

    async def put_package(self, main_key: str, staged: Path) -> StoredPackage:
        """Store the package main_key heads from a staging area (a local directory holding its
        objects at their paths relative to the prefix): every other object first, the main
        object last, so readers never see the main object before the rest. Conflict when an
        object is already under the prefix (nothing is replaced); RefusedObject when the area
        holds anything but plain files (a link, a FIFO, a file with several hard links),
        ValidationError for a path that escapes the prefix. On any failure or cancellation,
        what it stored is removed. The staging area is left for the caller."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""
        ...

    async def delete_package(self, prefix: str) -> None:
        """Remove every object of the package at the prefix, its main object first (a
        package of one: that key alone); missing objects are not an error."""
        ...

    async def check(self) -> None:
        """Raise StorageError when the store cannot be reached."""
        ...


class BodyCopy(Protocol):
    """A request body the server hands over itself, without the app reading it in chunks."""

    async def __call__(self, write: Callable[[memoryview], None]) -> None:
        """Call `write` with each piece of the body, in order, in a worker thread, and return
        when the body ended. `write` must not keep its view. An error `write` raises stops
        the copy and comes out as it is; a body that breaks off raises the server's error
        (what `write` took before stays taken)."""
        ...


class EarlyReader(Protocol):
    """Starts reading a staged file while its last bytes are still being written."""

    def __call__(self, source: MediaSource, complete: Awaitable[None]) -> None:
        """Start a reader of `source` now (a task; do not wait here). Its process's open of
        the file waits until the bytes are all there: `complete` resolves then, or raises
        StagedBytesIncomplete when they will not be, and the reader must give up."""
        ...


class UploadStaging(Protocol):
    """Where uploads accumulate on local disk until their last byte (one file + a record each);
    safe to share between processes."""

    async def create(self, upload: Upload) -> None:
        """Record a new, empty upload; StorageError when the disk has no room for its length."""
        ...

    async def get(self, upload_id: uuid.UUID) -> Upload:
        """The upload's record; NotFound when unknown."""
        ...

    async def append(self, upload_id: uuid.UUID, offset: int, chunks: AsyncIterator[bytes],
                     checksum: tuple[str, bytes] | None = None, copy: BodyCopy | None = None,
                     early: EarlyReader | None = None) -> Upload:
        """Write the chunks (or, given `copy`, what it hands over) at offset, one writer at a
        time, and record the new offset: what arrived before a broken connection is kept.
        Given `early` (the body is meant to end the upload), the staging may start it on the
        file before writing (or not, where it cannot hold the reader back).
        OffsetMismatch when offset is not the upload's (or another request writes it),
        UploadTooLarge past its length,
        ChecksumMismatch (nothing kept) when (algorithm, digest) does not match the bytes,
        StorageError (nothing of this call kept) when the disk is full or failing."""
        ...

    async def save(self, upload: Upload) -> None:
        """Replace the upload's record."""
        ...

    def open_source(self, upload_id: uuid.UUID) -> AbstractAsyncContextManager[MediaSource]:
        """The staged bytes opened for ffprobe, for the block's duration."""
        ...

    def path(self, upload_id: uuid.UUID) -> Path:
        """The local file holding the staged bytes (for MediaStorage.put_file)."""
        ...

    async def discard_bytes(self, upload_id: uuid.UUID) -> None:
        """Remove the staged bytes, keeping the record."""
        ...

    async def remove(self, upload_id: uuid.UUID) -> None:
        """Remove the upload's bytes and record; a missing upload is not an error."""
        ...

    async def all(self) -> Sequence[Upload]:
        """Every recorded upload, in any order."""
        ...


class StoreChanges(Protocol):
    def changes(self) -> AsyncIterator[set[str]]:
        """Batches of keys created or modified in a store, as it notices them, until
        cancelled (hidden entries are left out)."""
        ...

    async def being_written(self, key: str) -> bool:
        """True while some process holds the object open for writing; False when nobody
        does, or when the store cannot tell (then the settle time alone decides)."""
        ...
