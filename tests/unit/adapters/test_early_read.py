"""A reader started on a staged file before its last byte (early_read): held back by a real
write lease on a real file. The reader here opens the file in a thread of this process,
which the kernel holds back like any other opener."""

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from mpr.adapters.storage.early_read import MARGIN_SECONDS, hold_seconds
from mpr.adapters.storage.upload_staging import DiskUploadStaging
from mpr.domain.pipeline import MediaSource, StagedBytesIncomplete
from mpr.domain.upload import OffsetMismatch
from tests.unit.adapters.staging_bodies import new_upload


class ThreadReader:
    """An EarlyReader reading the whole file in a thread, as ffprobe would in its process."""

    def __init__(self) -> None:
        self.started = 0
        self.bytes_read: bytes | None = None
        self.read_done = threading.Event()
        self.outcome: str | None = None
        self.waiting: asyncio.Task[None] | None = None

    def __call__(self, source: MediaSource, complete: asyncio.Future[None]) -> None:
        self.started += 1
        threading.Thread(target=self._read, args=(source.locator,), daemon=True).start()
        self.waiting = asyncio.ensure_future(self._wait(complete))

    def _read(self, path: str) -> None:
        with open(path, "rb") as f:
            self.bytes_read = f.read()
        self.read_done.set()

    async def _wait(self, complete: asyncio.Future[None]) -> None:
        try:
            await complete
            self.outcome = "complete"
        except StagedBytesIncomplete as e:
            self.outcome = str(e)

    async def ended(self) -> None:
        assert self.waiting is not None
        await self.waiting
        assert await asyncio.to_thread(self.read_done.wait, 5), "the reader never opened"


async def pause_while_reader_waits(reader: ThreadReader) -> None:
    await asyncio.sleep(0.2)
    assert reader.started == 1
    assert not reader.read_done.is_set(), "the reader opened the file before its last byte"


@pytest.fixture
def staging(tmp_path: Path) -> DiskUploadStaging:
    return DiskUploadStaging(tmp_path / "uploads")


async def test_an_early_reader_opens_the_file_only_once_its_last_byte_is_written(
        staging, body):
    upload = new_upload(length=6)
    await staging.create(upload)
    await staging.append(upload.id, 0, **body(b"ab"), early=None)
    reader = ThreadReader()

    async def between() -> None:
        await pause_while_reader_waits(reader)

    after = await staging.append(upload.id, 2, **body(b"c", b"def", between=between),
                                 early=reader)
    await reader.ended()

    assert after.offset == 6
    assert (reader.outcome, reader.bytes_read) == ("complete", b"abcdef")


async def test_a_final_body_that_breaks_off_tells_the_early_reader_to_give_up(
        staging, body):
    upload = new_upload(length=6)
    await staging.create(upload)
    reader = ThreadReader()

    with pytest.raises(ConnectionError):
        await staging.append(upload.id, 0, **body(b"abc", then=ConnectionError()),
                             early=reader)
    await reader.ended()

    assert reader.outcome == "the body ended before the file was complete"
    assert (await staging.get(upload.id)).offset == 3


async def test_a_body_shorter_than_the_rest_tells_the_early_reader_to_give_up(
        staging, body):
    upload = new_upload(length=6)
    await staging.create(upload)
    reader = ThreadReader()

    await staging.append(upload.id, 0, **body(b"abc"), early=reader)
    await reader.ended()

    assert reader.outcome == "the body ended before the file was complete"


async def test_a_hold_longer_than_the_kernel_allows_tells_the_reader_to_give_up(
        tmp_path, body):
    staging = DiskUploadStaging(tmp_path / "uploads", early_seconds=0.05)
    upload = new_upload(length=6)
    await staging.create(upload)
    reader = ThreadReader()

    async def between() -> None:
        await asyncio.sleep(0.2)
        assert reader.outcome == "the final bytes took longer than a lease may hold"

    await staging.append(upload.id, 0, **body(b"abc", b"def", between=between), early=reader)
    await reader.ended()

    assert reader.bytes_read == b"abcdef"  # the lease still held it back until the end


async def test_a_file_open_elsewhere_starts_no_early_reader(staging, body):
    upload = new_upload(length=3)
    await staging.create(upload)
    other = os.open(staging.path(upload.id), os.O_RDONLY)
    try:
        reader = ThreadReader()
        after = await staging.append(upload.id, 0, **body(b"abc"), early=reader)
    finally:
        os.close(other)

    assert reader.started == 0
    assert after.offset == 3


async def test_a_second_writer_is_refused_at_once_while_a_final_body_holds_the_file(
        staging, body):
    upload = new_upload(length=6)
    await staging.create(upload)
    reader = ThreadReader()
    refused: list[float] = []

    async def between() -> None:
        await pause_while_reader_waits(reader)
        started = time.monotonic()
        with pytest.raises(OffsetMismatch, match="another request"):
            await staging.append(upload.id, 3, **body(b"x"))
        refused.append(time.monotonic() - started)

    await staging.append(upload.id, 0, **body(b"abc", b"def", between=between), early=reader)
    await reader.ended()

    assert len(refused) == 1
    assert refused[0] < 1  # not held back by the lease (45 s by default)
    assert reader.bytes_read == b"abcdef"


def test_a_hold_lasts_the_kernels_lease_break_time_less_a_margin(tmp_path):
    setting = tmp_path / "lease-break-time"
    setting.write_text("45\n")
    assert hold_seconds(setting) == 45 - MARGIN_SECONDS
    setting.write_text("2\n")
    assert hold_seconds(setting) == 0  # too short to be worth it: nothing starts early
    assert hold_seconds(tmp_path / "missing") == 0
