import pytest

from mpr.application.create_job import CreateJob, CreateJobCommand
from mpr.domain.asset import AssetStatus, Location
from mpr.domain.builtin_presets import BUILTIN_PRESETS, COPY_PRESET
from mpr.domain.errors import Conflict, NotFound, ValidationError
from mpr.domain.job import JobStatus
from tests.factories import make_asset, make_job, make_media
from tests.unit.fakes import FakeQueue

H264_720 = next(p for p in BUILTIN_PRESETS if p.name == "h264-720p")
MP3 = next(p for p in BUILTIN_PRESETS if p.name == "mp3-audio")


@pytest.fixture
def create(uow, queue, clock, output_storage):
    return CreateJob(uow, queue, clock, output_storage)


@pytest.fixture
def asset(tables):
    a = make_asset(file_path="shows/ep 1.mp4")
    tables.assets[a.id] = a
    return a


async def test_creates_a_pending_job_with_a_preset_snapshot_and_dispatches_it(
        create, asset, tables, queue):
    job = await create(CreateJobCommand(str(asset.id), str(H264_720.id), 0.5, 2.5))

    stored = tables.jobs[job.id]
    assert stored.status is JobStatus.PENDING
    assert stored.preset == H264_720
    assert (stored.trim.start, stored.trim.end) == (0.5, 2.5)
    assert stored.output_path == f"shows/ep 1_h264-720p_{job.id.hex[:8]}.mp4"
    assert queue.dispatched == [job.id]
    assert stored.task_id == "task-1"


async def test_without_a_preset_the_job_cuts_with_stream_copy_in_the_source_container(
        create, asset, tables):
    job = await create(CreateJobCommand(str(asset.id), None, 1, 3))

    assert tables.jobs[job.id].preset.id == COPY_PRESET.id
    assert job.output_path.endswith(".mp4")


@pytest.mark.parametrize(("start", "end"), [(-1, 2), (3, 2), (0, 11), (10, None), (2, 2)])
async def test_impossible_trims_change_nothing(create, asset, tables, queue, start, end):
    with pytest.raises(ValidationError):
        await create(CreateJobCommand(str(asset.id), str(H264_720.id), start, end))

    assert tables.jobs == {}
    assert queue.dispatched == []


async def test_an_asset_in_error_cannot_be_transcoded(create, tables):
    broken = make_asset(status=AssetStatus.ERROR, error_message="Invalid data")
    tables.assets[broken.id] = broken

    with pytest.raises(ValidationError, match="not ready: Invalid data"):
        await create(CreateJobCommand(str(broken.id), str(H264_720.id)))


async def test_a_source_whose_file_is_missing_is_refused_naming_the_file(create, tables,
                                                                          queue):
    gone = make_asset(file_path="shows/gone.mp4", status=AssetStatus.MISSING)
    tables.assets[gone.id] = gone

    with pytest.raises(Conflict, match=r"source file 'shows/gone\.mp4' .* is missing"):
        await create(CreateJobCommand(str(gone.id), str(H264_720.id)))

    assert (tables.jobs, queue.dispatched) == ({}, [])


async def test_an_output_asset_is_not_a_source(create, tables):
    output = make_asset(location=Location.OUTPUT)
    tables.assets[output.id] = output

    with pytest.raises(ValidationError, match="output"):
        await create(CreateJobCommand(str(output.id), str(H264_720.id)))


async def test_a_video_preset_on_audio_only_media_is_refused(create, tables):
    song = make_asset(file_path="song.mp3", media=make_media(video_codec=None, width=None,
                                                             height=None))
    tables.assets[song.id] = song

    with pytest.raises(ValidationError, match="has none"):
        await create(CreateJobCommand(str(song.id), str(H264_720.id)))
    job = await create(CreateJobCommand(str(song.id), str(MP3.id)))
    assert job.output_path.endswith(".mp3")


@pytest.mark.parametrize(("asset_id", "preset_id", "error"), [
    ("not-a-uuid", None, ValidationError),
    ("6f1c1b8e-0000-4000-8000-000000000000", None, NotFound),
])
async def test_unknown_or_malformed_ids_are_refused(create, asset_id, preset_id, error):
    with pytest.raises(error):
        await create(CreateJobCommand(asset_id, preset_id))


async def test_an_unknown_preset_is_refused(create, asset):
    with pytest.raises(NotFound, match="preset"):
        await create(CreateJobCommand(str(asset.id), "6f1c1b8e-0000-4000-8000-000000000000"))


async def test_a_given_output_name_is_checked_and_kept_unique(create, asset, tables):
    first = await create(CreateJobCommand(str(asset.id), str(H264_720.id),
                                          output_filename="final cut"))

    with pytest.raises(Conflict):
        await create(CreateJobCommand(str(asset.id), str(H264_720.id),
                                      output_filename="final cut.mp4"))
    with pytest.raises(ValidationError, match=r"\.mp4"):
        await create(CreateJobCommand(str(asset.id), str(H264_720.id),
                                      output_filename="final.webm"))
    with pytest.raises(ValidationError):
        await create(CreateJobCommand(str(asset.id), str(H264_720.id),
                                      output_filename="../escape.mp4"))
    assert first.output_path == "shows/final cut.mp4"
    assert len(tables.jobs) == 1


async def test_a_failed_dispatch_leaves_the_job_pending_for_recovery(create, asset, tables,
                                                                     queue):
    queue.broken = True

    job = await create(CreateJobCommand(str(asset.id), str(H264_720.id)))

    assert tables.jobs[job.id].status is JobStatus.PENDING
    assert tables.jobs[job.id].task_id is None


async def test_priority_is_bounded(create, asset):
    with pytest.raises(ValidationError, match="priority"):
        await create(CreateJobCommand(str(asset.id), str(H264_720.id), priority=1000))


async def test_a_job_name_taken_by_a_cancelled_job_is_free_again(create, asset, tables):
    old = make_job(asset.id, status=JobStatus.CANCELLED, output_path="shows/again.mp4")
    tables.jobs[old.id] = old

    job = await create(CreateJobCommand(str(asset.id), str(H264_720.id),
                                        output_filename="again.mp4"))

    assert job.output_path == "shows/again.mp4"


async def test_an_output_name_already_in_the_output_store_is_a_conflict_and_changes_nothing(
        create, asset, tables, queue, output_storage):
    output_storage.objects["shows/precious.mp4"] = b"no job knows me"

    with pytest.raises(Conflict, match="never replaces") as refused:
        await create(CreateJobCommand(str(asset.id), str(H264_720.id),
                                      output_filename="precious.mp4"))

    assert refused.value.code == "CONFLICT"
    assert tables.jobs == {}
    assert queue.dispatched == []
    assert output_storage.objects["shows/precious.mp4"] == b"no job knows me"


async def test_create_returns_the_job_as_created_even_if_a_worker_claimed_it(
        uow, clock, asset, tables, output_storage):
    class EagerQueue(FakeQueue):
        async def dispatch(self, spec, priority=0, previous=None):
            tables.jobs[spec.job_id].start(clock.now(), "fast-worker")
            return await super().dispatch(spec, priority, previous)

    job = await CreateJob(uow, EagerQueue(), clock, output_storage)(
        CreateJobCommand(str(asset.id)))

    assert job.status is JobStatus.PENDING
    assert job.task_id == "task-1"


async def test_a_refusal_names_the_file_not_its_uuid(create, tables):
    song = make_asset(file_path="song.m4a", media=make_media(video_codec=None, width=None,
                                                             height=None))
    tables.assets[song.id] = song

    with pytest.raises(ValidationError) as refused:
        await create(CreateJobCommand(str(song.id), str(H264_720.id)))

    assert str(refused.value).startswith("preset h264-720p encodes video; song.m4a has none")
    assert "aac-audio" in str(refused.value)
    assert str(song.id) not in str(refused.value)
