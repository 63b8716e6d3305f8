"""Contract tests of the SQLAlchemy repositories and unit of work, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, timedelta, timezone

import pytest

from mpr.adapters.sqlalchemy.engine import make_engine, make_session_factory
from mpr.adapters.sqlalchemy.uow import SqlUnitOfWork
from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.errors import ConcurrentUpdate, Conflict, DatabaseError, NotFound
from mpr.domain.job import JobStatus, Progress, TranscodeJob, Trim
from mpr.domain.ports import AssetEntry, Page, UnitOfWorkFactory
from mpr.domain.preset import TranscodePreset
from tests.factories import NOW, make_asset, make_job, make_media, make_preset

UowFactory = UnitOfWorkFactory  # the tests see only the port
LATER = NOW + timedelta(minutes=5)


async def add_all(uow_factory: UowFactory, *items: MediaAsset | TranscodePreset | TranscodeJob
                  ) -> None:
    """Store entities in one committed unit of work."""
    async with uow_factory() as uow:
        for item in items:
            if isinstance(item, MediaAsset):
                await uow.assets.add(item)
            elif isinstance(item, TranscodePreset):
                await uow.presets.add(item)
            else:
                await uow.jobs.add(item)
        await uow.commit()


async def stored_job(uow_factory: UowFactory, **overrides: object) -> TranscodeJob:
    """A committed job on a freshly committed source asset."""
    asset = make_asset()
    job = make_job(asset.id, **overrides)
    await add_all(uow_factory, asset, job)
    return job


# ---- assets -----------------------------------------------------------------------------


async def test_asset_round_trips_every_field(uow_factory: UowFactory) -> None:
    paris = timezone(timedelta(hours=2))
    asset = make_asset(
        file_path="films/Café Ünïcode — 東京 🎬.mkv", location=Location.OUTPUT,
        status=AssetStatus.ERROR, error_message="moov atom not found", file_size=2**40,
        media=make_media(properties={"streams": [{"index": 0, "tags": {"title": "é"}}]}),
        comments="première\nligne", tags=["b-roll", "東京"],
        created_at=NOW.astimezone(paris), updated_at=LATER.astimezone(paris),
    )

    await add_all(uow_factory, asset)
    async with uow_factory() as uow:
        loaded = await uow.assets.get(asset.id)

    assert loaded == asset
    assert loaded.created_at.tzinfo == UTC
    assert loaded.updated_at == LATER


async def test_asset_save_writes_back_changes(uow_factory: UowFactory) -> None:
    asset = make_asset(status=AssetStatus.PENDING)
    await add_all(uow_factory, asset)

    async with uow_factory() as uow:
        loaded = await uow.assets.get(asset.id)
        loaded.mark_ready(make_media(duration=3.5, width=640, height=360), LATER)
        loaded.annotate(LATER, comments="checked", tags=["ok"])
        await uow.assets.save(loaded)
        await uow.commit()
    async with uow_factory() as uow:
        reloaded = await uow.assets.get(asset.id)

    assert reloaded == loaded
    assert reloaded.status is AssetStatus.READY


async def test_unknown_asset_is_not_found(uow_factory: UowFactory) -> None:
    unknown = uuid.uuid4()

    async with uow_factory() as uow:
        with pytest.raises(NotFound, match=str(unknown)):
            await uow.assets.get(unknown)
        with pytest.raises(NotFound):
            await uow.assets.save(make_asset(id=unknown))


async def test_registering_a_known_store_key_conflicts(uow_factory: UowFactory) -> None:
    asset = make_asset(file_path="a/clip.mp4")
    await add_all(uow_factory, asset)

    async with uow_factory() as uow:
        with pytest.raises(Conflict, match="already registered"):
            await uow.assets.add(make_asset(file_path="a/clip.mp4"))
    await add_all(uow_factory, make_asset(file_path="a/clip.mp4", location=Location.OUTPUT))


async def test_concurrent_registration_of_one_key_lets_one_win(uow_factory: UowFactory) -> None:
    first_added = asyncio.Event()

    async def register(first: bool) -> None:
        async with uow_factory() as uow:
            if not first:
                await first_added.wait()  # both transactions are open; the first wrote first
            await uow.assets.add(make_asset(file_path="race/clip.mp4"))
            if first:
                first_added.set()
                await asyncio.sleep(0.2)
            await uow.commit()

    results = await asyncio.gather(register(True), register(False), return_exceptions=True)

    assert results[0] is None
    assert isinstance(results[1], Conflict)


async def test_delete_asset_removes_it_and_its_jobs(uow_factory: UowFactory) -> None:
    job = await stored_job(uow_factory)

    async with uow_factory() as uow:
        await uow.assets.delete(job.source_asset_id)
        await uow.assets.delete(uuid.uuid4())
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.assets.get(job.source_asset_id)
        with pytest.raises(NotFound):
            await uow.jobs.get(job.id)


async def test_deleting_an_output_asset_unlinks_the_job(uow_factory: UowFactory) -> None:
    output = make_asset(location=Location.OUTPUT)
    job = await stored_job(uow_factory)
    await add_all(uow_factory, output)
    async with uow_factory() as uow:
        loaded = await uow.jobs.get(job.id)
        loaded.start(NOW, "w")
        loaded.complete(LATER, output.id)
        await uow.jobs.save(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        await uow.assets.delete(output.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.jobs.get(job.id)).output_asset_id is None


async def test_known_paths_are_per_location(uow_factory: UowFactory) -> None:
    await add_all(uow_factory, make_asset(file_path="x/1.mp4"), make_asset(file_path="2.mp4"),
                  make_asset(file_path="x/1.mp4", location=Location.OUTPUT))

    async with uow_factory() as uow:
        assert await uow.assets.known_paths(Location.INPUT) == {"x/1.mp4", "2.mp4"}
        assert await uow.assets.known_paths(Location.OUTPUT) == {"x/1.mp4"}


async def test_inventory_lists_key_size_and_status_per_location(uow_factory: UowFactory
                                                                ) -> None:
    gone = make_asset(file_path="gone.mp4", file_size=7, status=AssetStatus.MISSING)
    here = make_asset(file_path="here.mp4", file_size=None)
    await add_all(uow_factory, gone, here, make_asset(location=Location.OUTPUT))

    async with uow_factory() as uow:
        entries = await uow.assets.inventory(Location.INPUT)

    assert sorted(entries, key=lambda e: e.file_path) == [
        AssetEntry(gone.id, "gone.mp4", 7, AssetStatus.MISSING),
        AssetEntry(here.id, "here.mp4", None, AssetStatus.READY)]


async def test_assets_list_newest_first_with_a_stable_order(uow_factory: UowFactory) -> None:
    old = make_asset(created_at=NOW - timedelta(days=1))
    same_time = sorted((make_asset() for _ in range(3)), key=lambda a: a.id.hex, reverse=True)
    await add_all(uow_factory, old, *same_time)

    async with uow_factory() as uow:
        listed = await uow.assets.list(Page())
        first_page = await uow.assets.list(Page(limit=2))
        second_page = await uow.assets.list(Page(limit=2, offset=2))

    assert [a.id for a in listed] == [*(a.id for a in same_time), old.id]
    assert [a.id for a in [*first_page, *second_page]] == [a.id for a in listed]


async def test_assets_list_filters_by_status_location_and_search(uow_factory: UowFactory
                                                                 ) -> None:
    cafe = make_asset(file_path="in/Le CAFÉ du Port.mp4")
    broken = make_asset(file_path="in/broken_100%.mp4", status=AssetStatus.ERROR)
    output = make_asset(file_path="out/café-720p.mp4", location=Location.OUTPUT)
    await add_all(uow_factory, cafe, broken, output)

    async with uow_factory() as uow:
        errors = await uow.assets.list(Page(), status=AssetStatus.ERROR)
        outputs = await uow.assets.list(Page(), location=Location.OUTPUT)
        by_name = await uow.assets.list(Page(), search="café")
        inputs_by_name = await uow.assets.list(Page(), location=Location.INPUT, search="Café")
        literal_percent = await uow.assets.list(Page(), search="0%")
        wildcard = await uow.assets.list(Page(), search="_")

    assert [a.id for a in errors] == [broken.id]
    assert [a.id for a in outputs] == [output.id]
    assert {a.id for a in by_name} == {cafe.id, output.id}
    assert [a.id for a in inputs_by_name] == [cafe.id]
    assert [a.id for a in literal_percent] == [broken.id]
    assert [a.id for a in wildcard] == [broken.id]


# ---- presets ----------------------------------------------------------------------------


async def test_preset_round_trips_every_field(uow_factory: UowFactory) -> None:
    preset = make_preset(container="mkv", video_codec="libx265", video_bitrate="2500k",
                         video_crf=28, video_preset="slow", resolution="1920x1080",
                         framerate=29.97, audio_codec="libopus", audio_bitrate="96k",
                         audio_channels=6, audio_samplerate=48000, description="ünïcode ✓")
    stream_copy = make_preset(container=None, video_codec="copy", audio_codec="copy",
                              video_crf=None, video_preset=None, resolution=None,
                              audio_bitrate=None, audio_channels=None, is_builtin=True,
                              created_at=None, updated_at=None)
    await add_all(uow_factory, preset, stream_copy)

    async with uow_factory() as uow:
        assert await uow.presets.get(preset.id) == preset
        assert await uow.presets.get(stream_copy.id) == stream_copy
        assert await uow.presets.get_by_name(preset.name) == preset
        assert await uow.presets.get_by_name("no-such-preset") is None
        with pytest.raises(NotFound, match="preset"):
            await uow.presets.get(uuid.uuid4())


async def test_preset_names_are_unique(uow_factory: UowFactory) -> None:
    taken, other = make_preset(name="web-720p"), make_preset()
    await add_all(uow_factory, taken, other)

    async with uow_factory() as uow:
        with pytest.raises(Conflict, match="web-720p"):
            await uow.presets.add(make_preset(name="web-720p"))
    async with uow_factory() as uow:
        with pytest.raises(Conflict, match="web-720p"):
            await uow.presets.save(other.evolve(name="web-720p"))


async def test_preset_save_replaces_and_delete_removes(uow_factory: UowFactory) -> None:
    preset = make_preset()
    await add_all(uow_factory, preset)
    changed = preset.evolve(video_crf=30, resolution=None, updated_at=LATER)

    async with uow_factory() as uow:
        await uow.presets.save(changed)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.presets.get(preset.id) == changed
        await uow.presets.delete(preset.id)
        await uow.presets.delete(uuid.uuid4())
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.presets.get_by_name(preset.name) is None


async def test_presets_list_builtin_first_then_by_name(uow_factory: UowFactory) -> None:
    user_b, user_a = make_preset(name="b-user"), make_preset(name="a-user")
    builtin_z = make_preset(name="z-builtin", is_builtin=True)
    builtin_y = make_preset(name="y-builtin", is_builtin=True)
    await add_all(uow_factory, user_b, builtin_z, user_a, builtin_y)

    async with uow_factory() as uow:
        names = [p.name for p in await uow.presets.list(Page())]
        paged = [p.name for p in await uow.presets.list(Page(limit=2, offset=1))]

    assert names == ["y-builtin", "z-builtin", "a-user", "b-user"]
    assert paged == ["z-builtin", "a-user"]


# ---- jobs -------------------------------------------------------------------------------


async def test_job_round_trips_every_field(uow_factory: UowFactory) -> None:
    asset, output = make_asset(), make_asset(location=Location.OUTPUT)
    job = make_job(
        asset.id, trim=Trim(1.25, 7.5), status=JobStatus.PROCESSING, progress=42.5,
        current_time=3.1, speed=1.7, eta=12.0, error_message="retrying: worker lost",
        output_asset_id=output.id, task_id="msg-1", execution_arn="arn:aws:states:x:1:e",
        priority=7, attempts=2, worker_id="host-1/123", heartbeat_at=LATER,
        started_at=NOW, completed_at=None, updated_at=LATER,
        output_filename="Résumé — 東京.mp4", output_path="2026/Résumé — 東京.mp4",
    )
    await add_all(uow_factory, asset, output, job)

    async with uow_factory() as uow:
        loaded = await uow.jobs.get(job.id)

    assert loaded == job
    assert loaded.preset == job.preset
    assert loaded.heartbeat_at is not None
    assert loaded.heartbeat_at.tzinfo == UTC


async def test_job_keeps_its_preset_snapshot_when_the_preset_changes(uow_factory: UowFactory
                                                                     ) -> None:
    preset = make_preset(video_crf=20)
    asset = make_asset()
    job = make_job(asset.id, preset=preset, trim=Trim(None, 4.0))
    await add_all(uow_factory, preset, asset, job)

    async with uow_factory() as uow:
        await uow.presets.save(preset.evolve(video_crf=35))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.presets.delete(preset.id)
        await uow.commit()
    async with uow_factory() as uow:
        loaded = await uow.jobs.get(job.id)

    assert loaded.preset == preset
    assert loaded.preset_id == preset.id
    assert loaded.trim == Trim(None, 4.0)


async def test_job_save_writes_back_transitions(uow_factory: UowFactory) -> None:
    job = await stored_job(uow_factory)

    async with uow_factory() as uow:
        loaded = await uow.jobs.get(job.id)
        loaded.start(NOW, "w1")
        loaded.record_progress(LATER, Progress(55.0, current_time=5.5, speed=2.0, eta=4.5))
        await uow.jobs.save(loaded)
        await uow.commit()
    async with uow_factory() as uow:
        reloaded = await uow.jobs.get(job.id)

    assert reloaded == loaded
    assert (reloaded.status, reloaded.progress, reloaded.attempts) == (JobStatus.PROCESSING,
                                                                        55.0, 1)


async def test_unknown_job_is_not_found(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(NotFound, match="job"):
            await uow.jobs.get(uuid.uuid4())
        with pytest.raises(NotFound, match="job"):
            await uow.jobs.save(make_job())


async def test_job_of_an_unknown_source_asset_is_refused(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.jobs.add(make_job(uuid.uuid4()))


async def test_jobs_list_newest_first_filtered_and_paged(uow_factory: UowFactory) -> None:
    asset, other = make_asset(), make_asset()
    old = make_job(asset.id, created_at=NOW - timedelta(hours=1))
    failed = make_job(asset.id, status=JobStatus.FAILED, error_message="boom")
    ties = sorted((make_job(other.id) for _ in range(2)), key=lambda j: j.id.hex, reverse=True)
    await add_all(uow_factory, asset, other, old, failed, *ties)

    async with uow_factory() as uow:
        everything = await uow.jobs.list(Page())
        of_asset = await uow.jobs.list(Page(), source_asset_id=asset.id)
        failed_only = await uow.jobs.list(Page(), status=JobStatus.FAILED)
        pending_of_asset = await uow.jobs.list(Page(limit=5), JobStatus.PENDING, asset.id)
        window = await uow.jobs.list(Page(limit=2, offset=1))

    assert len(everything) == 4
    assert everything[-1].id == old.id
    assert [j.id for j in of_asset] == [failed.id, old.id]
    assert [j.id for j in failed_only] == [failed.id]
    assert [j.id for j in pending_of_asset] == [old.id]
    assert [j.id for j in window] == [j.id for j in everything[1:3]]
    assert [j.id for j in everything if j.source_asset_id == other.id] == [j.id for j in ties]


async def test_claim_does_what_start_does(uow_factory: UowFactory) -> None:
    job = await stored_job(uow_factory, error_message="old", progress=0.0, attempts=1)
    expected = job.copy()
    expected.start(LATER, "worker-7")

    async with uow_factory() as uow:
        claimed = await uow.jobs.claim(job.id, "worker-7", LATER)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.jobs.get(job.id)

    assert claimed == expected
    assert stored == expected


async def test_claim_refreshes_a_job_already_loaded_in_the_unit(uow_factory: UowFactory
                                                                ) -> None:
    job = await stored_job(uow_factory)

    async with uow_factory() as uow:
        await uow.jobs.get(job.id)
        claimed = await uow.jobs.claim(job.id, "w", LATER)
        again = await uow.jobs.get(job.id)

    assert claimed is not None
    assert claimed.status is JobStatus.PROCESSING
    assert again == claimed


async def test_claim_refuses_jobs_that_are_not_pending(uow_factory: UowFactory) -> None:
    done = await stored_job(uow_factory, status=JobStatus.COMPLETED)

    async with uow_factory() as uow:
        assert await uow.jobs.claim(done.id, "w", LATER) is None
        assert await uow.jobs.claim(uuid.uuid4(), "w", LATER) is None
        assert (await uow.jobs.get(done.id)).status is JobStatus.COMPLETED


async def test_concurrent_claims_of_one_job_have_exactly_one_winner(uow_factory: UowFactory
                                                                    ) -> None:
    job = await stored_job(uow_factory)

    async def claim(worker: str) -> TranscodeJob | None:
        async with uow_factory() as uow:
            claimed = await uow.jobs.claim(job.id, worker, LATER)
            await uow.commit()
            return claimed

    results = await asyncio.gather(*(claim(f"w{i}") for i in range(8)))

    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    async with uow_factory() as uow:
        stored = await uow.jobs.get(job.id)
    assert (stored.attempts, stored.worker_id) == (1, winners[0].worker_id)


async def test_competing_workers_claim_each_job_once(uow_factory: UowFactory) -> None:
    asset = make_asset()
    jobs = [make_job(asset.id) for _ in range(5)]
    await add_all(uow_factory, asset, *jobs)

    async def worker(name: str) -> list[uuid.UUID]:
        won = []
        for job in jobs:
            async with uow_factory() as uow:
                if await uow.jobs.claim(job.id, name, LATER) is not None:
                    won.append(job.id)
                await uow.commit()
        return won

    wins = await asyncio.gather(*(worker(f"w{i}") for i in range(4)))

    assert sorted(j for won in wins for j in won) == sorted(j.id for j in jobs)


async def test_pending_ids_are_in_dispatch_order(uow_factory: UowFactory) -> None:
    asset = make_asset()
    low_old = make_job(asset.id, priority=0, created_at=NOW - timedelta(minutes=2))
    low_new = make_job(asset.id, priority=0)
    high_new = make_job(asset.id, priority=5)
    high_old = make_job(asset.id, priority=5, created_at=NOW - timedelta(minutes=1))
    running = make_job(asset.id, priority=9, status=JobStatus.PROCESSING)
    await add_all(uow_factory, asset, low_old, low_new, high_new, high_old, running)

    async with uow_factory() as uow:
        ids = await uow.jobs.pending_ids()

    assert list(ids) == [high_old.id, high_new.id, low_old.id, low_new.id]


async def test_stale_processing_finds_silent_workers(uow_factory: UowFactory) -> None:
    asset = make_asset()
    silent = make_job(asset.id, status=JobStatus.PROCESSING, heartbeat_at=NOW)
    never_beat = make_job(asset.id, status=JobStatus.PROCESSING, heartbeat_at=None)
    alive = make_job(asset.id, status=JobStatus.PROCESSING, heartbeat_at=LATER)
    pending = make_job(asset.id, heartbeat_at=NOW)
    await add_all(uow_factory, asset, silent, never_beat, alive, pending)

    async with uow_factory() as uow:
        stale = await uow.jobs.stale_processing(NOW + timedelta(seconds=30))

    assert {j.id for j in stale} == {silent.id, never_beat.id}


async def test_active_jobs_and_taken_output_paths(uow_factory: UowFactory) -> None:
    asset = make_asset()
    statuses = list(JobStatus)
    jobs = [make_job(asset.id, status=s, output_path=f"{s.value}.mp4") for s in statuses]
    await add_all(uow_factory, asset, *jobs)

    async with uow_factory() as uow:
        active = await uow.jobs.active_for_asset(asset.id)
        taken = {s: await uow.jobs.output_path_taken(f"{s.value}.mp4") for s in statuses}
        none_for_other = await uow.jobs.active_for_asset(uuid.uuid4())

    assert (active, none_for_other) == (2, 0)
    assert taken == {JobStatus.PENDING: True, JobStatus.PROCESSING: True,
                     JobStatus.COMPLETED: True, JobStatus.FAILED: False,
                     JobStatus.CANCELLED: False}


async def test_deleting_ended_jobs_spares_active_ones_and_rolls_back(
        uow_factory: UowFactory) -> None:
    asset = make_asset()
    jobs = [make_job(asset.id, status=s, output_path=f"{s.value}.mp4") for s in JobStatus]
    await add_all(uow_factory, asset, *jobs)

    async with uow_factory() as uow:
        await uow.jobs.delete_ended(list(JobStatus))  # not committed: nothing goes
    async with uow_factory() as uow:
        removed = await uow.jobs.delete_ended([JobStatus.PROCESSING, *list(JobStatus)])
        await uow.commit()
    async with uow_factory() as uow:
        left = await uow.jobs.list(Page(100, 0))
        kept_asset = await uow.assets.get(asset.id)

    assert removed == 3
    assert {j.status for j in left} == {JobStatus.PENDING, JobStatus.PROCESSING}
    assert kept_asset.id == asset.id


# ---- unit of work -----------------------------------------------------------------------


async def test_leaving_without_commit_rolls_back(uow_factory: UowFactory) -> None:
    asset, preset = make_asset(), make_preset()

    async with uow_factory() as uow:
        await uow.assets.add(asset)
    async with uow_factory() as uow:
        await uow.presets.add(preset)
        await uow.rollback()
        await uow.assets.add(make_asset(file_path=asset.file_path))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.assets.get(asset.id)
        assert await uow.presets.get_by_name(preset.name) is None
        assert await uow.assets.known_paths(Location.INPUT) == {asset.file_path}


@pytest.mark.parametrize("url", [
    "sqlite+aiosqlite:////nonexistent-dir/mpr.sqlite3",
    "postgresql+asyncpg://postgres@127.0.0.1:1/mpr",
], ids=["sqlite", "postgresql"])
async def test_unreachable_database_raises_database_error(url: str) -> None:
    dead_engine = make_engine(url)
    uow = SqlUnitOfWork(make_session_factory(dead_engine))

    try:
        async with uow:
            with pytest.raises(DatabaseError, match="database unavailable"):
                await uow.assets.get(uuid.uuid4())
    finally:
        await dead_engine.dispose()


async def test_a_save_based_on_stale_state_is_refused_not_lost(uow_factory: UowFactory) -> None:
    source = make_asset()
    job = make_job(source.id, status=JobStatus.PROCESSING)
    async with uow_factory() as uow:
        await uow.assets.add(source)
        await uow.jobs.add(job)
        await uow.commit()
    slow, fast = uow_factory(), uow_factory()

    async with slow:
        stale = await slow.jobs.get(job.id)
        async with fast:
            cancelled = await fast.jobs.get(job.id)
            cancelled.cancel(NOW)
            await fast.jobs.save(cancelled)
            await fast.commit()
        stale.record_progress(NOW, Progress(percent=50))
        with pytest.raises(ConcurrentUpdate):
            await slow.jobs.save(stale)

    async with uow_factory() as uow:
        assert (await uow.jobs.get(job.id)).status is JobStatus.CANCELLED
