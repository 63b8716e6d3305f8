"""An UploadStaging fake: records in a dict, bytes in files of a temporary directory (the
input store's put_file reads a local file)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path

from mpr.domain.errors import NotFound
from mpr.domain.pipeline import MediaSource, StagedBytesIncomplete
from mpr.domain.ports import BodyCopy, EarlyReader, UploadStaging
from mpr.domain.upload import ChecksumMismatch, StagingFull, Upload, UploadTooLarge


class FakeUploadStaging:
    def __init__(self, root: Path, room: int = 10**12) -> None:
        self.root, self.room = root, room
        self.records: dict[uuid.UUID, Upload] = {}
        self.hold, self.lapse = True, False  # early readers: started; told to give up

    def path(self, upload_id: uuid.UUID) -> Path:
        return self.root / f"{upload_id}.part"

    async def create(self, upload: Upload) -> None:
        if upload.length > self.room:
            raise StagingFull("not enough disk space")
        self.path(upload.id).write_bytes(b"")
        self.records[upload.id] = replace(upload)

    async def get(self, upload_id: uuid.UUID) -> Upload:
        if upload_id not in self.records:
            raise NotFound("upload", upload_id)
        return replace(self.records[upload_id], job_ids=list(self.records[upload_id].job_ids))

    async def append(self, upload_id: uuid.UUID, offset: int, chunks: AsyncIterator[bytes],
                     checksum: tuple[str, bytes] | None = None, copy: BodyCopy | None = None,
                     early: EarlyReader | None = None) -> Upload:
        """As the disk's: an early reader starts before the write (unless `hold` is off) and
        is told the bytes are complete after it, or to give up (also when `lapse` is set)."""
        upload = await self.get(upload_id)
        upload.check_patch(offset, None)
        complete: asyncio.Future[None] | None = None
        if early is not None and self.hold:
            complete = asyncio.get_running_loop().create_future()
            early(MediaSource.at(str(self.path(upload_id))), complete)
        try:
            upload = await self._write(upload, offset, chunks, checksum, copy)
        except BaseException:
            if complete is not None:
                _give_up(complete, "the body broke off")
            raise
        if complete is not None:
            if upload.complete and not self.lapse:
                complete.set_result(None)
            else:
                _give_up(complete, "held too long")
        return upload

    async def _write(self, upload: Upload, offset: int, chunks: AsyncIterator[bytes],
                     checksum: tuple[str, bytes] | None, copy: BodyCopy | None) -> Upload:
        upload_id = upload.id
        if copy is None:
            data = b"".join([c async for c in chunks])
        else:
            pieces: list[bytes] = []
            await copy(lambda view: pieces.append(bytes(view)))
            data = b"".join(pieces)
        if offset + len(data) > upload.length:
            raise UploadTooLarge("past the length")
        if checksum and hashlib.new(checksum[0], data).digest() != checksum[1]:
            raise ChecksumMismatch("checksum")
        with self.path(upload_id).open("r+b") as f:
            f.seek(offset)
            f.write(data)
        upload.offset = offset + len(data)
        await self.save(upload)
        return upload

    async def save(self, upload: Upload) -> None:
        self.records[upload.id] = replace(upload, job_ids=list(upload.job_ids))

    @contextlib.asynccontextmanager
    async def open_source(self, upload_id: uuid.UUID) -> AsyncIterator[MediaSource]:
        yield MediaSource.at(str(self.path(upload_id)))

    async def discard_bytes(self, upload_id: uuid.UUID) -> None:
        self.path(upload_id).unlink(missing_ok=True)

    async def remove(self, upload_id: uuid.UUID) -> None:
        await self.discard_bytes(upload_id)
        self.records.pop(upload_id, None)

    async def all(self) -> Sequence[Upload]:
        return list(self.records.values())

    def files(self) -> list[Path]:
        return sorted(self.root.iterdir())


def _typed(staging: FakeUploadStaging) -> UploadStaging:
    return staging  # mypy holds the fake to its Protocol


def _give_up(complete: asyncio.Future[None], reason: str) -> None:
    """As early_read does: the reader is told, and no one else need look."""
    complete.set_exception(StagedBytesIncomplete(reason))
    complete.exception()
