"""The server log tells each job's story: one INFO line per event, none per progress tick."""

import logging

import pytest

from mpr.application.job_actions import CancelJob
from mpr.application.job_log import JobEventLog
from mpr.application.job_reporting import DatabaseJobReporter
from mpr.application.messagebus import MessageBus
from mpr.application.publishing import publishing
from mpr.application.run_job import RunJob
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.events import JobEvent
from tests.factories import make_asset, make_job


@pytest.fixture
def logged_uow(uow):
    bus = MessageBus()
    bus.subscribe(JobEvent, JobEventLog(uow))
    return publishing(uow, bus)


@pytest.fixture
def source(tables, input_storage):
    asset = make_asset(file_path="in/clip.mp4")
    tables.assets[asset.id] = asset
    input_storage.objects["in/clip.mp4"] = b"source"
    return asset


def job_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "mpr.jobs"]


async def test_a_run_logs_start_and_completion_with_size_and_time_but_no_progress(
        logged_uow, tables, source, input_storage, output_storage, transcoder, prober, clock,
        caplog):
    job = make_job(source.id, output_path="clip_out.mp4")
    tables.jobs[job.id] = job
    pipeline = TranscodePipeline(input_storage, output_storage, transcoder, prober, clock)
    run = RunJob(logged_uow, pipeline, DatabaseJobReporter(logged_uow, clock), clock)
    caplog.set_level(logging.INFO, logger="mpr.jobs")

    await run(job.id, "w1")

    lines = job_lines(caplog)
    assert len(lines) == 2
    assert lines[0].startswith(f"job {job.id} started: ")
    assert "attempt 1 on w1" in lines[0]
    assert lines[1].startswith(f"job {job.id} completed: ")
    size = tables.assets[tables.jobs[job.id].output_asset_id].file_size
    assert f"{size} B in " in lines[1]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "mpr.jobs")


async def test_a_failure_logs_its_reason(logged_uow, tables, source, input_storage,
                                        output_storage, transcoder, prober, clock, caplog):
    job = make_job(source.id, output_path="clip_out.mp4")
    tables.jobs[job.id] = job
    transcoder.fail_with = "Unknown encoder 'libnope'"
    pipeline = TranscodePipeline(input_storage, output_storage, transcoder, prober, clock)
    run = RunJob(logged_uow, pipeline, DatabaseJobReporter(logged_uow, clock), clock)
    caplog.set_level(logging.INFO, logger="mpr.jobs")

    await run(job.id, "w1")

    failed = [line for line in job_lines(caplog) if " failed: " in line]
    assert len(failed) == 1
    assert "Unknown encoder 'libnope'" in failed[0]


async def test_a_cancel_logs_one_line(logged_uow, tables, source, queue, clock, caplog):
    job = make_job(source.id)
    tables.jobs[job.id] = job
    caplog.set_level(logging.INFO, logger="mpr.jobs")

    await CancelJob(logged_uow, queue, clock)(str(job.id))

    assert job_lines(caplog) == [f"job {job.id} cancelled: {job.output_filename} "
                                 f"({job.preset.name})"]
