import uuid
from datetime import timedelta

import pytest

from mpr.application.create_jobs import (
    MAX_BATCH_ASSETS,
    AssetFilter,
    CreateJobs,
    CreateJobsCommand,
)
from mpr.domain.asset import AssetStatus, Location
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.errors import NotFound, ValidationError
from mpr.domain.job import JobStatus
from tests.factories import NOW, make_asset, make_job, make_media

H264_480 = next(p for p in BUILTIN_PRESETS if p.name == "h264-480p")
HLS = next(p for p in BUILTIN_PRESETS if p.name == "hls-ladder")


@pytest.fixture
def create(uow, queue, clock, output_storage):
    return CreateJobs(uow, queue, clock, output_storage)


def put(tables, count: int, **overrides):
    """Store `count` ready input assets (newest last) and return them."""
    made = [make_asset(created_at=NOW + timedelta(seconds=i), **overrides) for i in range(count)]
    for asset in made:
        tables.assets[asset.id] = asset
    return made


def by_ids(*assets, preset=H264_480):
    return CreateJobsCommand(str(preset.id), asset_ids=[str(a.id) for a in assets])


async def test_every_asset_gets_a_whole_file_job_sharing_one_batch_id(create, tables, queue):
    assets = put(tables, 3)

    batch = await create(by_ids(*assets))

    stored = [tables.jobs[j.id] for j in batch.jobs]
    assert [j.source_asset_id for j in stored] == [a.id for a in assets]
    assert {j.batch_id for j in stored} == {batch.batch_id}
    assert all(j.status is JobStatus.PENDING and j.trim.start is None and j.trim.end is None
               for j in stored)
    assert all(j.preset == H264_480 for j in stored)
    assert queue.dispatched == [j.id for j in batch.jobs]
    assert [j.task_id for j in stored] == ["task-1", "task-2", "task-3"]
    assert batch.refused == []


async def test_assets_that_cannot_take_the_job_are_refused_and_the_rest_get_jobs(
        create, tables, queue):
    good = put(tables, 1)[0]
    song = put(tables, 1, file_path="song.mp3",
               media=make_media(video_codec=None, width=None, height=None))[0]
    broken = put(tables, 1, status=AssetStatus.ERROR, error_message="Invalid data")[0]
    gone = put(tables, 1, status=AssetStatus.MISSING)[0]
    output = put(tables, 1, location=Location.OUTPUT)[0]
    unknown = uuid.uuid4()
    command = CreateJobsCommand(str(H264_480.id), asset_ids=[
        str(a.id) for a in (good, song, broken, gone, output)] + [str(unknown)])

    batch = await create(command)

    assert [j.source_asset_id for j in batch.jobs] == [good.id]
    reasons = {r.asset_id: (r.code, r.reason) for r in batch.refused}
    assert reasons[str(song.id)][0] == "BAD_USER_INPUT"
    assert "encodes video; song.mp3 has none" in reasons[str(song.id)][1]
    assert "not ready: Invalid data" in reasons[str(broken.id)][1]
    assert reasons[str(gone.id)][0] == "CONFLICT"
    assert "is missing" in reasons[str(gone.id)][1]
    assert "is an output" in reasons[str(output.id)][1]
    assert reasons[str(unknown)] == ("NOT_FOUND", f"asset {unknown} not found")
    assert {r.filename for r in batch.refused} == {"song.mp3", broken.filename, gone.filename,
                                                   output.filename, None}
    assert list(tables.jobs) == [batch.jobs[0].id]
    assert queue.dispatched == [batch.jobs[0].id]


async def test_an_id_given_twice_gets_one_job(create, tables):
    asset = put(tables, 1)[0]

    batch = await create(CreateJobsCommand(str(H264_480.id), asset_ids=[
        str(asset.id), f" {asset.id} ", str(asset.id).upper()]))

    assert len(batch.jobs) == 1
    assert len(tables.jobs) == 1


async def test_more_than_the_maximum_of_ids_is_refused_before_anything_is_made(
        create, tables, queue):
    ids = [str(uuid.uuid4()) for _ in range(MAX_BATCH_ASSETS + 1)]

    with pytest.raises(ValidationError, match=f"201 assets given; .* at most {MAX_BATCH_ASSETS}"):
        await create(CreateJobsCommand(str(H264_480.id), asset_ids=ids))

    assert (tables.jobs, queue.dispatched, tables.commits) == ({}, [], 0)


async def test_exactly_the_maximum_is_taken(create, tables):
    assets = put(tables, MAX_BATCH_ASSETS)

    batch = await create(by_ids(*assets))

    assert len(batch.jobs) == MAX_BATCH_ASSETS
    assert len(tables.jobs) == MAX_BATCH_ASSETS


async def test_a_filter_selects_what_the_asset_list_shows_for_it(create, tables):
    wanted = put(tables, 2, file_path="shows/Episode.mp4") + put(tables, 1,
                                                                  file_path="shows/episode 3.mp4")
    put(tables, 2, file_path="other/trailer.mp4")
    put(tables, 1, file_path="shows/episode-out.mp4", location=Location.OUTPUT)
    matching = AssetFilter(status="ready", location="input", search="EPISODE")

    batch = await create(CreateJobsCommand(str(H264_480.id), matching=matching))

    assert sorted(j.source_asset_id.hex for j in batch.jobs) == sorted(a.id.hex for a in wanted)
    assert batch.refused == []


async def test_a_filter_matching_more_than_the_maximum_is_refused(create, tables, queue):
    put(tables, MAX_BATCH_ASSETS + 1)

    with pytest.raises(ValidationError, match="more than 200 assets match") as refused:
        await create(CreateJobsCommand(str(H264_480.id), matching=AssetFilter()))

    assert refused.value.field == "filter"
    assert (tables.jobs, queue.dispatched) == ({}, [])


@pytest.mark.parametrize("matching", [AssetFilter(status="bogus"),
                                      AssetFilter(location="elsewhere")])
async def test_a_bad_filter_value_is_refused(create, tables, matching):
    put(tables, 1)

    with pytest.raises(ValidationError, match="invalid asset"):
        await create(CreateJobsCommand(str(H264_480.id), matching=matching))


@pytest.mark.parametrize("command", [
    CreateJobsCommand(str(H264_480.id)),
    CreateJobsCommand(str(H264_480.id), asset_ids=[], matching=AssetFilter()),
    CreateJobsCommand(str(H264_480.id), asset_ids=[]),
    CreateJobsCommand(str(H264_480.id), matching=AssetFilter(search="nothing like it")),
    CreateJobsCommand(str(H264_480.id), asset_ids=["not-a-uuid"]),
    CreateJobsCommand(str(H264_480.id), asset_ids=[str(uuid.uuid4())], priority=101),
])
async def test_malformed_requests_change_nothing(create, tables, queue, command):
    put(tables, 2)

    with pytest.raises(ValidationError):
        await create(command)

    assert (tables.jobs, queue.dispatched) == ({}, [])


async def test_an_unknown_preset_refuses_the_whole_batch(create, tables):
    asset = put(tables, 1)[0]

    with pytest.raises(NotFound, match="preset"):
        await create(CreateJobsCommand(str(uuid.uuid4()), asset_ids=[str(asset.id)]))

    assert tables.jobs == {}


async def test_a_ladder_fits_each_source(create, tables):
    small = put(tables, 1, media=make_media(width=640, height=360))[0]
    large = put(tables, 1, media=make_media(width=1920, height=1080))[0]

    batch = await create(by_ids(small, large, preset=HLS))

    renditions = {j.source_asset_id: j.preset.renditions for j in batch.jobs}
    assert renditions[small.id] == "640x360@800k"
    assert renditions[large.id] is not None
    assert renditions[large.id].startswith("1920x1080")


async def test_a_source_already_busy_still_gets_a_new_job(create, tables):
    asset = put(tables, 1)[0]
    running = make_job(asset.id, status=JobStatus.PROCESSING)
    tables.jobs[running.id] = running

    batch = await create(by_ids(asset))

    assert len(batch.jobs) == 1
    assert batch.jobs[0].output_path != running.output_path


async def test_a_failed_dispatch_leaves_the_jobs_pending_for_recovery(create, tables, queue):
    assets = put(tables, 2)
    queue.broken = True

    batch = await create(by_ids(*assets))

    assert [tables.jobs[j.id].status for j in batch.jobs] == [JobStatus.PENDING] * 2
    assert all(tables.jobs[j.id].task_id is None for j in batch.jobs)


async def test_an_asset_whose_output_key_is_taken_in_the_store_is_refused(
        create, tables, output_storage, queue):
    asset = put(tables, 1)[0]

    async def everything_exists(key: str) -> bool:
        return True

    output_storage.exists = everything_exists

    batch = await create(by_ids(asset))

    assert batch.jobs == []
    assert [r.code for r in batch.refused] == ["CONFLICT"]
    assert "already exists" in batch.refused[0].reason
    assert (tables.jobs, queue.dispatched) == ({}, [])
