import uuid

import pytest

from mpr.application.batch_progress import ReadBatch, overall_progress
from mpr.domain.errors import NotFound, ValidationError
from mpr.domain.job import JobStatus
from tests.factories import make_asset, make_job, make_media


@pytest.fixture
def read(uow):
    return ReadBatch(uow)


def in_batch(tables, batch_id, duration, **job):
    source = make_asset(media=make_media(duration=duration))
    tables.assets[source.id] = source
    made = make_job(source.id, batch_id=batch_id, **job)
    tables.jobs[made.id] = made
    return made


async def test_counts_every_status_and_weighs_progress_by_duration(read, tables):
    batch = uuid.uuid4()
    in_batch(tables, batch, 30.0, status=JobStatus.COMPLETED, progress=100.0)
    in_batch(tables, batch, 60.0, status=JobStatus.PROCESSING, progress=50.0)
    in_batch(tables, batch, 10.0)
    in_batch(tables, uuid.uuid4(), 500.0, status=JobStatus.PROCESSING, progress=90.0)
    in_batch(tables, None, 500.0)

    found = await read(str(batch))

    assert len(found.jobs) == 3
    assert found.counts[JobStatus.COMPLETED] == 1
    assert found.counts[JobStatus.PROCESSING] == 1
    assert found.counts[JobStatus.PENDING] == 1
    assert found.counts[JobStatus.FAILED] == 0
    assert found.progress == pytest.approx((30 * 100 + 60 * 50) / 100)
    assert not found.finished


async def test_a_batch_ended_with_a_failure_is_finished_below_100(read, tables):
    batch = uuid.uuid4()
    in_batch(tables, batch, 10.0, status=JobStatus.COMPLETED, progress=100.0)
    in_batch(tables, batch, 10.0, status=JobStatus.FAILED, progress=20.0)

    found = await read(str(batch))

    assert found.finished
    assert found.progress == pytest.approx(60.0)


def test_a_source_of_unknown_duration_weighs_as_the_average_one():
    known, unknown = make_job(progress=0.0), make_job(status=JobStatus.COMPLETED)

    progress = overall_progress([known, unknown], {known.source_asset_id: 40.0})

    assert progress == pytest.approx(50.0)


def test_no_duration_known_at_all_weighs_the_jobs_equally():
    jobs = [make_job(status=JobStatus.COMPLETED), make_job(), make_job(), make_job()]

    assert overall_progress(jobs, {}) == pytest.approx(25.0)


async def test_an_unknown_or_malformed_batch_is_refused(read):
    with pytest.raises(NotFound, match="batch"):
        await read(str(uuid.uuid4()))
    with pytest.raises(ValidationError):
        await read("batch-1")
