"""The disk staging area: broken bodies keep what arrived, refused ones keep nothing; the
same whether the app reads the body in chunks or the server copies it (BodyCopy)."""

import errno
import hashlib

import pytest

from mpr.adapters.storage import upload_staging
from mpr.adapters.storage.upload_staging import DiskUploadStaging
from mpr.domain.upload import (
    ChecksumMismatch,
    OffsetMismatch,
    StagingFull,
    UploadGone,
    UploadTooLarge,
)
from tests.unit.adapters.staging_bodies import copied, new_upload, no_chunks


@pytest.fixture
def staging(tmp_path):
    return DiskUploadStaging(tmp_path / "uploads")


async def test_records_round_trip_and_bytes_land_at_the_offset(staging, body):
    upload = new_upload()
    await staging.create(upload)

    await staging.append(upload.id, 0, **body(b"ab", b"cd"))
    after = await staging.append(upload.id, 4, **body(b"ef"))

    assert after.offset == 6
    assert staging.path(upload.id).read_bytes() == b"abcdef"
    assert (await staging.get(upload.id)).options == upload.options
    assert [u.id for u in await staging.all()] == [upload.id]


async def test_a_broken_body_keeps_what_arrived(staging, body):
    upload = new_upload()
    await staging.create(upload)

    with pytest.raises(ConnectionError):
        await staging.append(upload.id, 0, **body(b"abc", then=ConnectionError()))

    assert (await staging.get(upload.id)).offset == 3


async def test_a_broken_checksummed_body_or_a_mismatch_keeps_nothing(staging, body):
    upload = new_upload()
    await staging.create(upload)
    digest = hashlib.sha1(b"abc").digest()  # noqa: S324 - tus's checksum

    with pytest.raises(ConnectionError):
        await staging.append(upload.id, 0, **body(b"abc", then=ConnectionError()),
                             checksum=("sha1", digest))
    with pytest.raises(ChecksumMismatch):
        await staging.append(upload.id, 0, **body(b"abd"), checksum=("sha1", digest))

    assert (await staging.get(upload.id)).offset == 0
    assert staging.path(upload.id).stat().st_size == 0


async def test_a_body_past_the_length_keeps_nothing(staging, body):
    upload = new_upload(length=4)
    await staging.create(upload)

    with pytest.raises(UploadTooLarge):
        await staging.append(upload.id, 0, **body(b"abc", b"de"))

    assert (await staging.get(upload.id)).offset == 0


async def test_a_second_writer_is_refused_while_one_writes(staging, body):
    upload = new_upload()
    await staging.create(upload)
    fd = staging._open_locked(upload.id)
    try:
        with pytest.raises(OffsetMismatch, match="another request"):
            await staging.append(upload.id, 0, **body(b"x"))
    finally:
        upload_staging.os.close(fd)


async def test_no_room_is_refused_at_creation(tmp_path):
    staging = DiskUploadStaging(tmp_path / "uploads", free=lambda _: 50)

    with pytest.raises(StagingFull, match="not enough disk space"):
        await staging.create(new_upload(length=100))

    assert list((tmp_path / "uploads").iterdir()) == []


async def test_a_disk_that_fills_up_is_a_clear_error_keeping_only_earlier_bytes(
        staging, body, monkeypatch):
    upload = new_upload()
    await staging.create(upload)
    await staging.append(upload.id, 0, **body(b"abc"))

    def full(*_):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(upload_staging.os, "pwritev", full)  # the chunks' writes
    monkeypatch.setattr(upload_staging.os, "pwrite", full)  # a copied body's
    with pytest.raises(StagingFull, match="full"):
        await staging.append(upload.id, 3, **body(b"def"))

    assert (await staging.get(upload.id)).offset == 3
    assert staging.path(upload.id).read_bytes() == b"abc"


async def test_removing_takes_bytes_and_record(staging):
    upload = new_upload()
    await staging.create(upload)

    await staging.remove(upload.id)
    await staging.remove(upload.id)

    assert list(staging.root.iterdir()) == []


async def test_an_upload_removed_while_a_request_writes_it_stays_removed(staging, body):
    upload = new_upload()
    await staging.create(upload)

    async def cancel() -> None:
        await staging.remove(upload.id)

    with pytest.raises(UploadGone):
        await staging.append(upload.id, 0, **body(b"abc", b"def", between=cancel))

    assert list(staging.root.iterdir()) == []


def test_writes_gather_small_chunks_and_split_big_ones_at_the_call_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(upload_staging, "WRITE_BYTES", 8)
    calls: list[int] = []
    real = upload_staging.os.pwritev

    def short_pwritev(fd, views, at):  # the kernel may write less than asked: 5 at most
        calls.append(sum(len(v) for v in views))
        return real(fd, [bytes(b"".join(views))[:5]], at)

    monkeypatch.setattr(upload_staging.os, "pwritev", short_pwritev)
    path = tmp_path / "part"
    path.write_bytes(b"@@")
    fd = upload_staging.os.open(path, upload_staging.os.O_WRONLY)
    body = [b"ab", b"cd", b"0123456789abcdefghij", b"", b"xyz"]
    try:
        upload_staging._pwrite_all(fd, body, 2)
    finally:
        upload_staging.os.close(fd)

    assert path.read_bytes() == b"@@" + b"".join(body)
    assert max(calls) == 8  # never more than the limit in one call
    assert calls[0] == 8  # "ab", "cd" and 4 bytes of the big chunk went in one call


def test_a_body_of_tiny_chunks_is_written_in_calls_of_at_most_512_buffers(tmp_path, monkeypatch):
    counts: list[int] = []
    real = upload_staging.os.pwritev

    def counting_pwritev(fd, views, at):
        counts.append(len(views))
        return real(fd, views, at)

    monkeypatch.setattr(upload_staging.os, "pwritev", counting_pwritev)
    path = tmp_path / "part"
    path.touch()
    fd = upload_staging.os.open(path, upload_staging.os.O_WRONLY)
    body = [bytes([n % 256]) for n in range(3000)]  # a client trickling single bytes
    try:
        upload_staging._pwrite_all(fd, body, 0)  # more than IOV_MAX at once: EINVAL
    finally:
        upload_staging.os.close(fd)

    assert path.read_bytes() == b"".join(body)
    assert counts == [512] * 5 + [440]


async def test_a_copied_body_survives_short_writes_and_pieces_past_the_call_limit(
        staging, monkeypatch):
    monkeypatch.setattr(upload_staging, "WRITE_BYTES", 8)
    real = upload_staging.os.pwrite
    sizes: list[int] = []

    def short_pwrite(fd, data, at):  # the kernel may write less than asked: 3 at most
        sizes.append(len(data))
        return real(fd, bytes(data[:3]), at)

    monkeypatch.setattr(upload_staging.os, "pwrite", short_pwrite)
    upload = new_upload()
    await staging.create(upload)
    parts = [b"abcdefg", b"0123456789abcdefghij", b"xy"]  # the middle one is split by pwritev

    after = await staging.append(upload.id, 0, no_chunks(), copy=copied(*parts))

    assert staging.path(upload.id).read_bytes() == b"".join(parts)
    assert after.offset == 29
    assert sizes == [7, 4, 1, 2]  # short writes resumed where they stopped
