import asyncio

import pytest

from mpr.application.job_reporting import DatabaseJobReporter
from mpr.application.run_job import RunJob
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.asset import AssetStatus, Location
from mpr.domain.errors import JobCancelled, JobTakenOver
from mpr.domain.job import JobStatus, Progress, Trim
from mpr.domain.pipeline import TranscodeOutput
from tests.factories import make_asset, make_job, make_media
from tests.unit.fakes import SpyReporter


@pytest.fixture
def reporter(uow, clock):
    """The worker's reporter, behind a spy that tests can stand in for reports with."""
    return SpyReporter(DatabaseJobReporter(uow, clock, worker_id="w1"))


@pytest.fixture
def run(uow, input_storage, output_storage, transcoder, prober, clock, reporter):
    pipeline = TranscodePipeline(input_storage, output_storage, transcoder, prober, clock)
    return RunJob(uow, pipeline, reporter, clock)


@pytest.fixture
def job(tables, input_storage):
    source = make_asset(file_path="in/clip.mp4")
    tables.assets[source.id] = source
    input_storage.objects["in/clip.mp4"] = b"source"
    j = make_job(source.id, output_path="in/clip_out.mp4", trim=Trim(1.0, 3.0))
    tables.jobs[j.id] = j
    return j


async def test_a_run_encodes_stores_registers_and_completes(run, job, tables, output_storage,
                                                            transcoder):
    assert await run(job.id, "w1")

    done = tables.jobs[job.id]
    assert done.status is JobStatus.COMPLETED
    assert done.progress == 100
    assert output_storage.objects["in/clip_out.mp4"] == b"encoded:memory://in/clip.mp4"
    output = tables.assets[done.output_asset_id]
    assert (output.location, output.status, output.file_path) == (
        Location.OUTPUT, AssetStatus.READY, "in/clip_out.mp4")
    assert transcoder.requests[0].expected_duration == 2.0
    assert list(output_storage.staging_dir().iterdir()) == []


async def test_progress_is_recorded_while_processing(run, job, tables, transcoder, reporter):
    seen = []

    async def look(job_id, progress):
        await reporter.inner.progress(job_id, progress)
        seen.append((tables.jobs[job_id].status, tables.jobs[job_id].progress))

    reporter.on_progress = look

    await run(job.id, "w1")

    assert seen[0] == (JobStatus.PROCESSING, 25.0)


async def test_a_failed_encode_fails_the_job_with_the_reason_and_leaves_no_output(
        run, job, tables, output_storage, transcoder):
    transcoder.fail_with = "ffmpeg exited with code 1: Invalid argument"

    await run(job.id, "w1")

    failed = tables.jobs[job.id]
    assert failed.status is JobStatus.FAILED
    assert "Invalid argument" in (failed.error_message or "")
    assert output_storage.objects == {}
    assert list(output_storage.staging_dir().iterdir()) == []


async def test_a_source_deleted_after_registration_fails_the_job_saying_so(
        run, job, tables, input_storage):
    input_storage.objects.clear()

    await run(job.id, "w1")

    assert "no longer in the input store" in (tables.jobs[job.id].error_message or "")


async def test_a_job_that_is_not_pending_is_not_run_twice(run, job, tables, transcoder):
    tables.jobs[job.id].status = JobStatus.PROCESSING

    assert not await run(job.id, "w2")
    assert transcoder.requests == []


async def test_cancel_seen_during_progress_stops_the_run_and_keeps_it_cancelled(
        run, job, tables, output_storage, transcoder, clock, reporter):
    async def cancel_midway(job_id, progress):
        stored = tables.jobs[job_id]
        stored.cancel(clock.now())
        raise JobCancelled("cancelled")

    reporter.on_progress = cancel_midway

    await run(job.id, "w1")

    assert tables.jobs[job.id].status is JobStatus.CANCELLED
    assert output_storage.objects == {}


async def test_cancel_while_storing_removes_the_stored_output(run, job, tables, output_storage,
                                                             clock, reporter):
    async def cancelled_before_complete(job_id, output):
        tables.jobs[job_id].cancel(clock.now())
        raise JobCancelled("cancelled")

    reporter.on_completed = cancelled_before_complete

    await run(job.id, "w1")

    assert output_storage.objects == {}
    assert "in/clip_out.mp4" in output_storage.deleted


async def test_a_stopped_worker_hands_the_job_back_to_pending(run, job, tables, transcoder):
    started = asyncio.Event()

    async def slow(request, on_progress):
        started.set()
        await asyncio.sleep(60)

    transcoder.transcode = slow
    task = asyncio.create_task(run(job.id, "w1"))
    await started.wait()

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert tables.jobs[job.id].status is JobStatus.PENDING
    assert tables.jobs[job.id].attempts == 1


async def test_repeated_completion_reports_are_idempotent(reporter, job, tables, clock):
    tables.jobs[job.id].start(clock.now(), "w1")
    output = TranscodeOutput(key=job.output_path, size=10, media=make_media())

    await reporter.completed(job.id, output)
    await reporter.completed(job.id, output)

    assert sum(a.location is Location.OUTPUT for a in tables.assets.values()) == 1


async def test_progress_after_completion_never_moves_the_job_back(reporter, job, tables, clock):
    tables.jobs[job.id].start(clock.now(), "w1")
    await reporter.completed(job.id, TranscodeOutput(job.output_path, 10, make_media()))

    with pytest.raises(JobCancelled):
        await reporter.progress(job.id, Progress(percent=10))

    assert tables.jobs[job.id].status is JobStatus.COMPLETED
    assert tables.jobs[job.id].progress == 100


async def test_a_worker_whose_job_was_taken_over_cannot_write_to_it(uow, clock, job, tables):
    tables.jobs[job.id].start(clock.now(), "new-owner")
    old_owner = DatabaseJobReporter(uow, clock, worker_id="old-owner")

    with pytest.raises(JobTakenOver):
        await old_owner.progress(job.id, Progress(percent=90))
    with pytest.raises(JobTakenOver):
        await old_owner.completed(job.id, TranscodeOutput(job.output_path, 10, make_media()))
    await old_owner.failed(job.id, "old owner crashed")

    stored = tables.jobs[job.id]
    assert (stored.status, stored.worker_id, stored.progress) == (
        JobStatus.PROCESSING, "new-owner", 0.0)


async def test_a_taken_over_run_leaves_the_shared_output_to_its_new_owner(
        run, job, tables, output_storage, clock, reporter):
    async def taken_over(job_id, output):
        raise JobTakenOver("taken over")

    reporter.on_completed = taken_over

    await run(job.id, "w1")

    assert "in/clip_out.mp4" in output_storage.objects
    assert output_storage.deleted == []
    assert reporter.reports.count("completed") == 1
    assert tables.jobs[job.id].output_asset_id is None  # this run registered nothing


async def test_the_warnings_of_a_completed_run_are_kept_on_the_job(run, job, tables,
                                                                   transcoder):
    transcoder.warnings = ("mov: stream 1, offset 0x62c5b: partial file", "Packet corrupt")

    await run(job.id, "w1")

    done = tables.jobs[job.id]
    assert done.status is JobStatus.COMPLETED
    assert done.warnings == ["mov: stream 1, offset 0x62c5b: partial file", "Packet corrupt"]


async def test_a_run_failed_by_the_output_check_keeps_the_encoders_warnings(
        run, job, tables, transcoder, prober, output_storage):
    transcoder.warnings = ("mov: stream 1, offset 0x62c5b: partial file",)
    prober.file_media = make_media(duration=0.5)

    await run(job.id, "w1")

    failed = tables.jobs[job.id]
    assert failed.status is JobStatus.FAILED
    assert failed.error_message is not None
    assert failed.error_message.startswith("output lasts 0.50 s, 2.00 s expected")
    assert failed.warnings == ["mov: stream 1, offset 0x62c5b: partial file"]
    assert output_storage.objects == {}
