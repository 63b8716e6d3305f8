"""The staging sweep keeps only files of attempts that still process their job."""

import os
from datetime import timedelta

import pytest

from mpr.application.sweep_staging import SweepStaging
from mpr.domain.job import JobStatus
from mpr.domain.staging import staging_name
from tests.factories import make_job

MAX_AGE = 3600.0


@pytest.fixture
def sweep(uow, output_storage, clock):
    return SweepStaging(uow, output_storage, clock, MAX_AGE)


def stage(output_storage, clock, name, age=0.0):
    path = output_storage.staging_dir() / name
    path.write_bytes(b"partial")
    modified = (clock.now() - timedelta(seconds=age)).timestamp()
    os.utime(path, (modified, modified))
    return path


def add_job(tables, status, attempts):
    job = make_job(status=status, attempts=attempts)
    tables.jobs[job.id] = job
    return job


async def test_keeps_the_file_of_the_attempt_that_processes_the_job(
        sweep, tables, output_storage, clock):
    job = add_job(tables, JobStatus.PROCESSING, attempts=2)
    live = stage(output_storage, clock, staging_name(job.id, 2, "mp4"))

    removed = await sweep()

    assert removed == 0
    assert live.exists()


async def test_removes_files_of_earlier_attempts_and_ended_jobs(
        sweep, tables, output_storage, clock):
    running = add_job(tables, JobStatus.PROCESSING, attempts=2)
    cancelled = add_job(tables, JobStatus.CANCELLED, attempts=1)
    stale = stage(output_storage, clock, staging_name(running.id, 1, "mp4"))
    orphan = stage(output_storage, clock, staging_name(cancelled.id, 1, "mp4"))
    unknown = stage(output_storage, clock, staging_name(make_job().id, 1, "mkv"))

    removed = await sweep()

    assert removed == 3
    assert not stale.exists()
    assert not orphan.exists()
    assert not unknown.exists()


async def test_removes_any_file_older_than_the_longest_job_and_keeps_young_strangers(
        sweep, tables, output_storage, clock):
    job = add_job(tables, JobStatus.PROCESSING, attempts=1)
    too_old = stage(output_storage, clock, staging_name(job.id, 1, "mp4"), age=MAX_AGE + 1)
    stranger = stage(output_storage, clock, "upload-in-progress.part", age=10)
    old_stranger = stage(output_storage, clock, "forgotten.part", age=MAX_AGE + 1)

    removed = await sweep()

    assert removed == 2
    assert not too_old.exists()
    assert not old_stranger.exists()
    assert stranger.exists()


def stage_area(output_storage, name):
    area = output_storage.staging_dir() / name
    (area / "720p").mkdir(parents=True)
    (area / "master.m3u8").write_bytes(b"#EXTM3U")
    (area / "720p" / "seg0.ts").write_bytes(b"segment")
    return area


async def test_removes_a_staging_area_whole_once_its_attempt_no_longer_processes_the_job(
        sweep, tables, output_storage):
    running = add_job(tables, JobStatus.PROCESSING, attempts=2)
    live = stage_area(output_storage, staging_name(running.id, 2))
    stale = stage_area(output_storage, staging_name(running.id, 1))
    outside = output_storage.staging_dir().parent / "not-staging.bin"
    outside.write_bytes(b"kept")
    (stale / "720p" / "link").symlink_to(outside)

    removed = await sweep()

    assert removed == 1
    assert sorted(p.relative_to(live).as_posix() for p in live.rglob("*")) == [
        "720p", "720p/seg0.ts", "master.m3u8"]
    assert not stale.exists()
    assert outside.read_bytes() == b"kept"  # a link inside an area is removed, not followed
