"""Upload use cases on fakes: limits, ownership, expiry, and what the last byte leads to."""

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from pathlib import Path

import pytest

from mpr.application.authorization import Principal, PrincipalKind
from mpr.application.create_job import CreateJob
from mpr.application.upload_finish import EARLY_PROBES, FinishUpload
from mpr.application.uploads import UploadLimits, Uploads
from mpr.domain.asset import AssetStatus
from mpr.domain.errors import Forbidden, ProbeError, StorageError, ValidationError
from mpr.domain.identity import Role
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import MediaSource, StoredObject
from mpr.domain.upload import (
    NotMedia,
    OffsetMismatch,
    StagingFull,
    UploadGone,
    UploadOptions,
    UploadState,
    UploadTooLarge,
)
from tests.factories import make_media
from tests.unit.fakes import FakeProber, FakeStorage
from tests.unit.upload_fakes import FakeUploadStaging

ALICE = Principal(PrincipalKind.USER, "alice", Role.OPERATOR)
BOB = Principal(PrincipalKind.USER, "bob", Role.OPERATOR)
ROOT = Principal(PrincipalKind.USER, "root", Role.ADMIN)
DATA = b"0123456789" * 10


class MediaProber(FakeProber):
    """Staged files probe as a clip unless `refuse` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse = self.cannot_start = False
        self.runs: list[tuple[str, int]] = []  # ("early" or "afresh", bytes it read)

    async def probe(self, source: MediaSource, complete: Awaitable[None] | None = None
                    ) -> MediaInfo:
        if self.cannot_start:
            raise ProbeError("cannot start ffprobe (check MPR_FFPROBE): No such file")
        if complete is not None:
            await complete
        self.runs.append(("afresh" if complete is None else "early",
                          Path(source.locator).stat().st_size))
        if self.refuse:
            raise ProbeError("Invalid data found when processing input")
        return make_media(duration=4.0)


class FailingStorage(FakeStorage):
    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        raise StorageError("bucket unreachable")


async def body(data: bytes) -> AsyncIterator[bytes]:
    yield data


@pytest.fixture
def staging(tmp_path: Path) -> FakeUploadStaging:
    (tmp_path / "staging").mkdir()
    return FakeUploadStaging(tmp_path / "staging")


@pytest.fixture
def media_prober() -> MediaProber:
    return MediaProber()


def make_uploads(uow, staging, store, prober, clock, queue, output_storage,
                 max_bytes: int = 1000) -> Uploads:
    create_job = CreateJob(uow, queue, clock, output_storage)
    finish = FinishUpload(uow, staging, store, prober, clock, create_job)
    return Uploads(uow, staging, finish, clock, UploadLimits(max_bytes, timedelta(hours=1)))


@pytest.fixture
def uploads(uow, staging, input_storage, media_prober, clock, queue, output_storage) -> Uploads:
    return make_uploads(uow, staging, input_storage, media_prober, clock, queue, output_storage)


async def send(uploads: Uploads, name: str = "clip.mp4", principal: Principal = ALICE,
               **options: object):
    upload = await uploads.create(principal, len(DATA), UploadOptions(name, **options))
    return await uploads.append(principal, str(upload.id), 0, len(DATA), body(DATA))


async def test_the_last_byte_registers_a_ready_asset_under_a_key_from_its_name(
        uploads, tables, input_storage, staging):
    appended = await send(uploads, "My clip (1).mp4")

    asset = tables.assets[appended.upload.asset_id]
    assert asset.status is AssetStatus.READY
    assert (asset.filename, asset.file_path) == ("My clip (1).mp4", "uploads/My_clip_1.mp4")
    assert input_storage.objects[asset.file_path] == DATA
    assert appended.upload.state is UploadState.DONE
    assert staging.files() == []


async def test_uploads_of_the_same_name_get_distinct_keys(uploads, tables):
    first = await send(uploads)
    second = await send(uploads)

    keys = {tables.assets[a.upload.asset_id].file_path for a in (first, second)}
    assert len(keys) == 2
    assert "uploads/clip.mp4" in keys


async def test_named_presets_start_jobs_with_the_trim_and_bad_ones_are_reported(
        uploads, tables, queue):
    appended = await send(uploads, presets=("h264-720p", "aac-audio"), trim_start=1.0,
                          trim_end=9.0)

    assert appended.job_problems
    assert "trimEnd" in appended.job_problems[0]
    assert queue.dispatched == []  # 9 s lies outside the 4 s clip: no job starts
    ok = await send(uploads, presets=("aac-audio",), trim_start=1.0, trim_end=2.0)
    (job_id,) = ok.upload.job_ids
    assert queue.dispatched == [job_id]
    assert tables.jobs[job_id].trim.start == 1.0


async def test_a_file_that_is_not_media_is_refused_and_leaves_nothing(
        uploads, tables, input_storage, staging, media_prober):
    media_prober.refuse = True

    with pytest.raises(NotMedia, match=r"clip\.mp4"):
        await send(uploads)

    assert tables.assets == {}
    assert input_storage.objects == {}
    assert staging.files() == []
    assert staging.records == {}


async def test_a_failing_store_is_a_clear_error_and_leaves_nothing(
        uow, staging, tmp_path, media_prober, clock, queue, output_storage, tables):
    (tmp_path / "bad").mkdir()
    uploads = make_uploads(uow, staging, FailingStorage(tmp_path / "bad"), media_prober,
                           clock, queue, output_storage)

    with pytest.raises(StorageError, match="nothing was kept"):
        await send(uploads)

    assert tables.assets == {}
    assert staging.files() == []
    assert staging.records == {}


async def test_too_large_uploads_and_full_disks_are_refused_before_any_byte(
        uploads, staging):
    with pytest.raises(UploadTooLarge, match="MPR_UPLOAD_MAX_BYTES"):
        await uploads.create(ALICE, 1001, UploadOptions("big.mp4"))
    staging.room = 10
    with pytest.raises(StagingFull):
        await uploads.create(ALICE, 100, UploadOptions("big.mp4"))
    assert staging.files() == []


@pytest.mark.parametrize(("name", "message"), [
    ("../etc/passwd.mp4", "plain file name"), ("notes.txt", "no audio or video"),
    ("", "must not be empty"), ("a\u202eb.mp4", "control or bidi"),
])
async def test_unsafe_or_non_media_names_are_refused(uploads, name, message):
    with pytest.raises(ValidationError, match=message):
        await uploads.create(ALICE, 10, UploadOptions(name))


async def test_unknown_presets_are_refused_at_creation(uploads, staging):
    with pytest.raises(ValidationError, match="unknown preset"):
        await uploads.create(ALICE, 10, UploadOptions("a.mp4", presets=("nope",)))
    assert staging.records == {}


async def test_only_the_creator_or_an_admin_may_touch_an_upload(uploads):
    upload = await uploads.create(ALICE, 10, UploadOptions("a.mp4"))

    with pytest.raises(Forbidden):
        await uploads.append(BOB, str(upload.id), 0, 5, body(b"12345"))
    with pytest.raises(Forbidden):
        await uploads.terminate(BOB, str(upload.id))
    assert (await uploads.status(ROOT, str(upload.id))).offset == 0


async def test_a_patch_must_continue_at_the_offset_and_stay_within_the_length(uploads):
    upload = await uploads.create(ALICE, 10, UploadOptions("a.mp4"))

    with pytest.raises(OffsetMismatch):
        await uploads.append(ALICE, str(upload.id), 3, 2, body(b"12"))
    with pytest.raises(UploadTooLarge):
        await uploads.append(ALICE, str(upload.id), 0, 11, body(b"x" * 11))
    assert (await uploads.append(ALICE, str(upload.id), 0, 4, body(b"1234"))).upload.offset == 4


async def test_idle_uploads_expire_and_activity_extends_them(uploads, staging, clock):
    upload = await uploads.create(ALICE, 10, UploadOptions("a.mp4"))
    clock.advance(50 * 60)
    await uploads.append(ALICE, str(upload.id), 0, 4, body(b"1234"))
    clock.advance(50 * 60)

    assert await uploads.sweep() == 0
    clock.advance(11 * 60)
    with pytest.raises(UploadGone, match="expired"):
        await uploads.status(ALICE, str(upload.id))
    assert staging.records == {}
    assert staging.files() == []


async def test_the_sweep_removes_expired_uploads(uploads, staging, clock):
    await uploads.create(ALICE, 10, UploadOptions("a.mp4"))
    clock.advance(61 * 60)

    assert await uploads.sweep() == 1
    assert staging.records == {}
    assert staging.files() == []


async def test_cancelling_removes_the_bytes(uploads, staging):
    upload = await uploads.create(ALICE, 10, UploadOptions("a.mp4"))
    await uploads.append(ALICE, str(upload.id), 0, 4, body(b"1234"))

    await uploads.terminate(ALICE, str(upload.id))

    assert staging.records == {}
    assert staging.files() == []


async def test_the_final_patch_starts_the_probe_before_its_bytes_and_it_reads_them_all(
        uploads, tables, media_prober):
    upload = await uploads.create(ALICE, len(DATA), UploadOptions("clip.mp4"))
    await uploads.append(ALICE, str(upload.id), 0, 40, body(DATA[:40]))
    assert media_prober.runs == []  # not the final PATCH: nothing started

    appended = await uploads.append(ALICE, str(upload.id), 40, 60, body(DATA[40:]))

    assert media_prober.runs == [("early", len(DATA))]
    assert tables.assets[appended.upload.asset_id].status is AssetStatus.READY


async def test_an_early_probe_that_gives_up_is_followed_by_a_probe_of_the_whole_file(
        uploads, tables, staging, media_prober):
    staging.lapse = True  # the final bytes took longer than a hold may last

    appended = await send(uploads)

    assert media_prober.runs == [("afresh", len(DATA))]
    assert tables.assets[appended.upload.asset_id].status is AssetStatus.READY


async def test_where_the_staging_cannot_hold_the_file_the_probe_runs_after_the_bytes(
        uploads, staging, media_prober):
    staging.hold = False

    await send(uploads)

    assert media_prober.runs == [("afresh", len(DATA))]


async def test_an_early_probe_that_finds_no_media_refuses_the_upload_and_leaves_nothing(
        uploads, tables, input_storage, staging, media_prober):
    media_prober.refuse = True

    with pytest.raises(NotMedia, match=r"clip\.mp4"):
        await send(uploads)

    assert [kind for kind, _ in media_prober.runs] == ["early"]
    assert (tables.assets, input_storage.objects, staging.files()) == ({}, {}, [])


async def test_a_final_body_that_breaks_off_stops_its_early_probe_and_keeps_the_bytes(
        uploads, staging, media_prober):
    upload = await uploads.create(ALICE, len(DATA), UploadOptions("clip.mp4"))

    async def broken() -> AsyncIterator[bytes]:
        yield DATA[:30]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await uploads.append(ALICE, str(upload.id), 0, len(DATA), broken())
    await asyncio.sleep(0)  # let the early probe see it must give up

    assert media_prober.runs == []
    assert asyncio.all_tasks() == {asyncio.current_task()}  # the early probe has ended
    assert staging.records[upload.id].state is UploadState.RECEIVING


async def test_at_most_a_set_number_of_probes_wait_early_at_once(
        uow, staging, input_storage, media_prober, clock, queue, output_storage):
    """Each early probe is a waiting ffprobe process: a crowd of stalled final PATCHes
    must not make a crowd of them."""
    finish = FinishUpload(uow, staging, input_storage, media_prober, clock,
                          CreateJob(uow, queue, clock, output_storage))
    uploads = Uploads(uow, staging, finish, clock, UploadLimits(1000, timedelta(hours=1)))
    waiting = [finish.early() for _ in range(EARLY_PROBES)]
    assert None not in waiting

    await send(uploads)
    assert media_prober.runs == [("afresh", len(DATA))]

    waiting.pop().close()
    await send(uploads)
    assert media_prober.runs[-1] == ("early", len(DATA))


async def test_an_early_probe_that_failed_unread_before_a_broken_body_logs_no_warning(
        uploads, media_prober, caplog):
    media_prober.cannot_start = True
    upload = await uploads.create(ALICE, len(DATA), UploadOptions("clip.mp4"))

    async def broken() -> AsyncIterator[bytes]:
        await asyncio.sleep(0.01)  # the early probe fails meanwhile
        yield DATA[:30]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await uploads.append(ALICE, str(upload.id), 0, len(DATA), broken())
    gc.collect()
    await asyncio.sleep(0)

    assert "never retrieved" not in caplog.text
