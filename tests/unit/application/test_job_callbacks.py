import pytest

from mpr.application.job_callbacks import RecordCallback
from mpr.domain.asset import Location
from mpr.domain.callback_codec import CallbackEvent
from mpr.domain.errors import NotFound
from mpr.domain.job import JobStatus, Progress
from tests.factories import make_asset, make_job, make_media

pytestmark = pytest.mark.asyncio


@pytest.fixture
def record(uow, output_storage, queue, clock):
    return RecordCallback(uow, output_storage, queue, clock, max_attempts=2)


@pytest.fixture
def job(tables):
    source = make_asset()
    tables.assets[source.id] = source
    job = make_job(source.id)
    tables.jobs[job.id] = job
    return job


def progress(job, seq, percent, run=1):
    return CallbackEvent("progress", job.id, run, seq, progress=Progress(percent))


def completed(job, seq, size=3, run=1, key=None):
    return CallbackEvent("completed", job.id, run, seq, output_key=key or job.output_path,
                         output_size=size, media=make_media())


async def test_the_first_call_of_the_dispatched_run_starts_the_job(record, tables, job):
    answer = await record(progress(job, 1, 10.0))

    stored = tables.jobs[job.id]
    assert (answer.accepted, answer.stop, stored.status) == (True, False, JobStatus.PROCESSING)
    assert (stored.attempts, stored.runs, stored.progress, stored.callback_seq) == (1, 1, 10.0, 1)


async def test_a_replayed_or_overtaken_call_changes_nothing(record, tables, job):
    await record(progress(job, 5, 40.0))

    replay = await record(progress(job, 5, 40.0))
    overtaken = await record(progress(job, 4, 30.0))

    assert (replay.accepted, overtaken.accepted) == (False, False)
    assert (tables.jobs[job.id].progress, tables.jobs[job.id].callback_seq) == (40.0, 5)


async def test_progress_never_decreases(record, tables, job):
    await record(progress(job, 1, 60.0))

    await record(progress(job, 2, 20.0))

    assert tables.jobs[job.id].progress == 60.0


async def test_a_call_of_another_run_is_told_to_stop_and_changes_nothing(record, tables, job):
    await record(progress(job, 1, 10.0))

    answer = await record(progress(job, 2, 90.0, run=2))

    assert (answer.accepted, answer.stop, answer.reason) == (False, True, "stale run")
    assert tables.jobs[job.id].progress == 10.0


async def test_a_cancelled_job_tells_the_run_to_stop(record, tables, job, clock):
    await record(progress(job, 1, 10.0))
    tables.jobs[job.id].cancel(clock.now())

    answer = await record(progress(job, 2, 20.0))

    assert (answer.status, answer.stop, answer.reason) == ("cancelled", True, "cancelled")


async def test_completed_registers_the_output_once(record, tables, job, output_storage):
    output_storage.objects[job.output_path] = b"abc"
    await record(progress(job, 1, 50.0))

    first = await record(completed(job, 2))
    again = await record(completed(job, 2))
    late = await record(progress(job, 1, 70.0))

    stored = tables.jobs[job.id]
    outputs = [a for a in tables.assets.values() if a.location is Location.OUTPUT]
    assert (first.accepted, again.accepted, late.accepted) == (True, False, False)
    assert (stored.status, stored.progress) == (JobStatus.COMPLETED, 100.0)
    assert [a.id for a in outputs] == [stored.output_asset_id]
    assert (outputs[0].file_path, outputs[0].file_size) == (job.output_path, 3)


async def test_a_completed_output_the_store_does_not_hold_fails_the_job(record, tables, job):
    answer = await record(completed(job, 1))

    assert answer.stop
    assert tables.jobs[job.id].status is JobStatus.FAILED
    assert "not stored" in tables.jobs[job.id].error_message


async def test_a_completed_output_under_another_key_fails_the_job(record, tables, job,
                                                                  output_storage):
    output_storage.objects["elsewhere.mp4"] = b"abc"

    await record(completed(job, 1, key="elsewhere.mp4"))

    assert tables.jobs[job.id].status is JobStatus.FAILED


async def test_a_crashed_run_is_retried_then_failed_after_max_attempts(record, tables, job,
                                                                      queue):
    crash = CallbackEvent("crashed", job.id, 1, 1, message="Sandbox.Timedout: boom")

    first = await record(crash)

    assert tables.jobs[job.id].status is JobStatus.PENDING
    assert queue.dispatched == [job.id]
    second = await record(CallbackEvent("crashed", job.id, 2, 1, message="again"))
    assert (first.accepted, second.accepted) == (True, True)
    assert tables.jobs[job.id].status is JobStatus.FAILED
    assert "giving up" in tables.jobs[job.id].error_message


async def test_an_unknown_job_is_not_found(record, job):
    other = make_job()

    with pytest.raises(NotFound):
        await record(progress(other, 1, 1.0))


async def test_a_cancelled_run_still_calling_after_a_quick_retry_is_not_taken_for_the_new_one(
        record, tables, job, clock):
    # run 1 starts, is cancelled and the job retried at once: attempts start from 0 again,
    # but the next run is run 2, so run 1's late calls cannot start or move the job
    await record(progress(job, 1, 30.0))
    stored = tables.jobs[job.id]
    stored.cancel(clock.now())
    stored.retry(clock.now())

    late = await record(progress(job, 2, 60.0, run=1))
    late_outcome = await record(completed(job, 3, run=1))
    new = await record(progress(job, 1, 5.0, run=2))

    assert (late.accepted, late.stop, late.reason) == (False, True, "stale run")
    assert (late_outcome.accepted, late_outcome.stop) == (False, True)
    assert new.accepted
    stored = tables.jobs[job.id]
    assert (stored.status, stored.attempts, stored.runs, stored.progress) == (
        JobStatus.PROCESSING, 1, 2, 5.0)
    assert stored.output_asset_id is None
