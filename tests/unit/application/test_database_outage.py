"""A running job survives a database outage: no half-written state, no lost outcome."""

from __future__ import annotations

import pytest

from mpr.application.job_reporting import DatabaseJobReporter
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.errors import DatabaseError
from mpr.domain.job import JobStatus, Progress, TranscodeJob
from mpr.domain.pipeline import TranscodeOutput, TranscodeSpec
from tests.factories import make_asset, make_job, make_media
from tests.unit.fakes import FakeUnitOfWork, Tables

NO_WAIT = (0.0, 0.0, 0.0)


class Outage:
    """Units of work that fail with DatabaseError on entry while the database is down."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.failures_left = 0  # the next N units fail; -1: every one until restored
        self.refused = 0

    def __call__(self) -> FakeUnitOfWork:
        outage = self

        class _Unit(FakeUnitOfWork):
            async def __aenter__(self) -> _Unit:
                if outage.failures_left != 0:
                    outage.failures_left -= outage.failures_left > 0
                    outage.refused += 1
                    raise DatabaseError("database unavailable: connection refused")
                await super().__aenter__()
                return self

        return _Unit(self.tables)


@pytest.fixture
def outage(tables: Tables) -> Outage:
    return Outage(tables)


@pytest.fixture
def reporter(outage: Outage, clock) -> DatabaseJobReporter:
    return DatabaseJobReporter(outage, clock, outage_delays=NO_WAIT)


@pytest.fixture
def processing(tables: Tables, clock) -> TranscodeJob:
    source = make_asset(file_path="in/clip.mp4")
    tables.assets[source.id] = source
    job = make_job(source.id, output_path="out/clip.mp4")
    job.start(clock.now(), "w1")
    tables.jobs[job.id] = job
    return job


def output() -> TranscodeOutput:
    return TranscodeOutput(key="out/clip.mp4", size=1234, media=make_media())


async def test_a_progress_write_during_an_outage_is_skipped_without_raising(
        reporter, outage, processing, tables):
    outage.failures_left = -1

    await reporter.progress(processing.id, Progress(percent=40.0))

    assert outage.refused == 1
    assert tables.jobs[processing.id].progress == 0.0
    assert tables.jobs[processing.id].status is JobStatus.PROCESSING


async def test_the_completion_is_written_once_the_database_answers_again(
        reporter, outage, processing, tables):
    outage.failures_left = 2

    await reporter.completed(processing.id, output())

    done = tables.jobs[processing.id]
    assert outage.refused == 2
    assert done.status is JobStatus.COMPLETED
    outputs = [a for a in tables.assets.values() if a.file_path == "out/clip.mp4"]
    assert [a.id for a in outputs] == [done.output_asset_id]


async def test_a_failure_is_written_once_the_database_answers_again(
        reporter, outage, processing, tables):
    outage.failures_left = 3

    await reporter.failed(processing.id, "ffmpeg exited with code 1")

    assert tables.jobs[processing.id].status is JobStatus.FAILED
    assert tables.jobs[processing.id].error_message == "ffmpeg exited with code 1"


async def test_an_outcome_write_gives_up_after_the_last_retry_and_changes_nothing(
        reporter, outage, processing, tables):
    outage.failures_left = -1

    with pytest.raises(DatabaseError):
        await reporter.completed(processing.id, output())

    assert outage.refused == len(NO_WAIT) + 1
    assert tables.jobs[processing.id].status is JobStatus.PROCESSING
    assert tables.assets.keys() == {processing.source_asset_id}


async def test_an_encode_whose_progress_writes_all_fail_still_completes(
        reporter, outage, processing, tables, input_storage, output_storage, transcoder,
        prober, clock):
    input_storage.objects["in/clip.mp4"] = b"source"
    pipeline = TranscodePipeline(input_storage, output_storage, transcoder, prober, clock)
    spec = TranscodeSpec(job_id=processing.id, source_path="in/clip.mp4", source_duration=10.0,
                         preset=processing.preset, trim=processing.trim,
                         output_path="out/clip.mp4")
    outage.failures_left = 1  # the first progress write (the only one not throttled)

    await pipeline.run(spec, reporter)

    assert outage.refused == 1
    assert tables.jobs[processing.id].status is JobStatus.COMPLETED
    assert output_storage.objects["out/clip.mp4"].startswith(b"encoded:")
