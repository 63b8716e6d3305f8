import pytest

from mpr.application.assets import AssetChanges, DeleteAsset, UpdateAsset
from mpr.domain.asset import Location
from mpr.domain.errors import Conflict, NotFound, ValidationError
from mpr.domain.job import JobStatus
from tests.factories import make_asset, make_job
from tests.unit.fakes import FakeClock


async def test_update_changes_comments_and_tags(uow, clock, tables):
    asset = make_asset()
    tables.assets[asset.id] = asset

    await UpdateAsset(uow, clock)(str(asset.id), AssetChanges(comments="good take",
                                                              tags=[" a", "b", "a", ""]))

    stored = tables.assets[asset.id]
    assert (stored.comments, stored.tags) == ("good take", ["a", "b"])


async def test_update_with_only_comments_keeps_the_tags(uow, clock, tables):
    asset = make_asset(tags=["keep"])
    tables.assets[asset.id] = asset

    await UpdateAsset(uow, clock)(str(asset.id), AssetChanges(comments="x"))

    assert tables.assets[asset.id].tags == ["keep"]


async def test_update_refuses_oversized_comments(uow, clock, tables):
    asset = make_asset()
    tables.assets[asset.id] = asset

    with pytest.raises(ValidationError):
        await UpdateAsset(uow, clock)(str(asset.id), AssetChanges(comments="x" * 20_000))


@pytest.mark.parametrize("changes", [
    AssetChanges(comments="fine", tags=["ok", "bidi\u202etag"]),
    AssetChanges(comments="nul\x00", tags=["ok"]),
    AssetChanges(tags=["zero\u200bwidth"]),
])
async def test_update_with_a_hidden_character_changes_nothing(uow, clock, tables, changes):
    asset = make_asset(comments="before", tags=["old"])
    tables.assets[asset.id] = asset

    with pytest.raises(ValidationError):
        await UpdateAsset(uow, clock)(str(asset.id), changes)

    stored = tables.assets[asset.id]
    assert (stored.comments, stored.tags) == ("before", ["old"])


async def test_delete_of_a_source_removes_the_record_and_never_touches_the_input_store(
        uow, tables, input_storage, output_storage):
    asset = make_asset(file_path="a.mp4")
    tables.assets[asset.id] = asset
    input_storage.objects["a.mp4"] = b"data"
    output_storage.objects["a.mp4"] = b"an output with the same key"

    await DeleteAsset(uow, output_storage, FakeClock())(str(asset.id))

    assert tables.assets == {}
    assert input_storage.objects == {"a.mp4": b"data"}
    assert input_storage.deleted == []
    assert "a.mp4" in output_storage.objects


async def test_delete_of_an_output_removes_it_from_the_output_store(uow, tables, input_storage,
                                                                    output_storage):
    asset = make_asset(file_path="o.mp4", location=Location.OUTPUT)
    tables.assets[asset.id] = asset
    output_storage.objects["o.mp4"] = b"data"
    input_storage.objects["o.mp4"] = b"a source with the same key"

    await DeleteAsset(uow, output_storage, FakeClock())(str(asset.id))

    assert tables.assets == {}
    assert "o.mp4" not in output_storage.objects
    assert "o.mp4" in input_storage.objects


async def test_delete_of_a_packaged_output_removes_its_whole_package_and_nothing_beside(
        uow, tables, output_storage):
    asset = make_asset(file_path="out/l/master.m3u8", location=Location.OUTPUT)
    tables.assets[asset.id] = asset
    for key in ("out/l/master.m3u8", "out/l/720p/index.m3u8", "out/l/720p/seg0.ts"):
        output_storage.objects[key] = b"package"
    output_storage.objects["out/l2/master.m3u8"] = b"another package"
    output_storage.objects["out/clip.mp4"] = b"a file beside it"

    await DeleteAsset(uow, output_storage, FakeClock())(str(asset.id))

    assert sorted(output_storage.objects) == ["out/clip.mp4", "out/l2/master.m3u8"]
    assert output_storage.deleted == ["out/l/master.m3u8"]  # asked for by its main key


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.PROCESSING])
async def test_delete_is_refused_while_a_job_reads_the_asset(uow, tables, input_storage,
                                                             output_storage, status):
    asset = make_asset(file_path="a.mp4")
    tables.assets[asset.id] = asset
    input_storage.objects["a.mp4"] = b"data"
    job = make_job(asset.id, status=status)
    tables.jobs[job.id] = job

    with pytest.raises(Conflict, match=r"^a\.mp4 is the source of 1 job that is pending or "
                       r"processing; cancel them first") as refused:
        await DeleteAsset(uow, output_storage, FakeClock())(str(asset.id))

    assert str(asset.id) not in str(refused.value)  # named for people, not by its UUID

    assert asset.id in tables.assets
    assert "a.mp4" in input_storage.objects


async def test_delete_of_an_unknown_asset(uow, input_storage, output_storage):
    with pytest.raises(NotFound):
        await DeleteAsset(uow, output_storage, FakeClock())(
            "6f1c1b8e-0000-4000-8000-000000000000")
