"""The unit of work publishes what its entities recorded after commit, never on rollback."""

import pytest

from mpr.application.assets import DeleteAsset
from mpr.application.job_actions import CancelJob
from mpr.application.messagebus import MessageBus
from mpr.application.publishing import publishing
from mpr.domain.asset import Location, MediaAsset
from mpr.domain.errors import ConcurrentUpdate, InvalidTransition
from mpr.domain.events import (
    AssetDeleted,
    AssetRegistered,
    DomainEvent,
    JobCancelled,
    JobCompleted,
    JobStarted,
)
from mpr.domain.job import JobStatus
from tests.factories import NOW, make_asset, make_job
from tests.unit.fakes import FakeClock, FakeQueue


@pytest.fixture
def published():
    return []


@pytest.fixture
def bus(published):
    bus = MessageBus()

    async def record(event: DomainEvent) -> None:
        published.append(event)

    bus.subscribe(DomainEvent, record)
    return bus


@pytest.fixture
def events_uow(uow, bus):
    return publishing(uow, bus)


async def test_events_are_published_after_the_commit_and_not_before(events_uow, tables,
                                                                    published):
    job = make_job(status=JobStatus.PENDING)
    tables.jobs[job.id] = job
    async with events_uow() as uow:
        stored = await uow.jobs.get(job.id)
        stored.cancel(NOW)
        await uow.jobs.save(stored)
        assert published == []
        await uow.commit()

    assert [type(e) for e in published] == [JobCancelled]
    assert tables.jobs[job.id].status is JobStatus.CANCELLED
    assert stored.events == []  # drained


async def test_nothing_is_published_when_the_unit_is_left_without_commit(events_uow, tables,
                                                                         published):
    job = make_job(status=JobStatus.PENDING)
    tables.jobs[job.id] = job

    seen = []

    async def cancel_then_lose_a_race() -> None:
        async with events_uow() as uow:
            stored = await uow.jobs.get(job.id)
            seen.append(stored)
            stored.cancel(NOW)
            await uow.jobs.save(stored)
            raise ConcurrentUpdate("lost a race")

    with pytest.raises(ConcurrentUpdate):
        await cancel_then_lose_a_race()

    assert published == []
    assert seen[0].events == []
    assert tables.jobs[job.id].status is JobStatus.PENDING


async def test_nothing_is_published_after_a_rollback(events_uow, tables, published):
    job = make_job(status=JobStatus.PENDING)
    tables.jobs[job.id] = job
    async with events_uow() as uow:
        stored = await uow.jobs.get(job.id)
        stored.cancel(NOW)
        await uow.jobs.save(stored)
        await uow.rollback()

    assert published == []


async def test_added_entities_and_claimed_jobs_are_published(events_uow, tables, published):
    asset = MediaAsset.register("a.mp4", Location.INPUT, NOW)
    job = make_job(status=JobStatus.PENDING)
    tables.jobs[job.id] = job
    async with events_uow() as uow:
        await uow.assets.add(asset)
        await uow.jobs.claim(job.id, "worker-1", NOW)
        await uow.commit()

    assert [type(e) for e in published] == [AssetRegistered, JobStarted]
    assert published[1].worker_id == "worker-1"


async def test_a_completion_publishes_the_output_and_the_job_in_the_order_they_happened(
        events_uow, tables, published):
    job = make_job(status=JobStatus.PROCESSING)
    tables.jobs[job.id] = job
    async with events_uow() as uow:
        stored = await uow.jobs.get(job.id)
        output = MediaAsset.register("out.mp4", Location.OUTPUT, NOW)
        await uow.assets.add(output)
        stored.complete(NOW.replace(second=1), output.id)
        await uow.jobs.save(stored)
        await uow.commit()

    assert [type(e) for e in published] == [AssetRegistered, JobCompleted]


async def test_a_use_case_announces_its_outcome_only_when_it_committed(events_uow, tables,
                                                                       published):
    done = make_job(status=JobStatus.COMPLETED)
    tables.jobs[done.id] = done

    with pytest.raises(InvalidTransition):
        await CancelJob(events_uow, FakeQueue(), FakeClock())(str(done.id))

    assert published == []


async def test_deleting_an_asset_publishes_asset_deleted(events_uow, tables, published,
                                                        output_storage):
    asset = make_asset()
    tables.assets[asset.id] = asset

    await DeleteAsset(events_uow, output_storage, FakeClock())(str(asset.id))

    assert [(type(e), e.asset_id) for e in published] == [(AssetDeleted, asset.id)]
