"""The in-process bus: handlers by event class, in order, a failing one not stopping others."""

import uuid

from mpr.application.messagebus import MessageBus
from mpr.domain.asset import AssetStatus, Location
from mpr.domain.events import AssetMissing, DomainEvent, JobCancelled, JobEvent
from mpr.domain.job import JobStatus
from tests.factories import NOW


def cancelled() -> JobCancelled:
    return JobCancelled(at=NOW, job_id=uuid.uuid4(), status=JobStatus.CANCELLED)


def missing() -> AssetMissing:
    return AssetMissing(at=NOW, asset_id=uuid.uuid4(), location=Location.INPUT,
                        status=AssetStatus.MISSING)


async def test_handlers_get_the_events_of_their_class_and_its_subclasses_in_order():
    bus, jobs, everything = MessageBus(), [], []

    async def on_job(event: JobEvent) -> None:
        jobs.append(event)

    async def on_any(event: DomainEvent) -> None:
        everything.append(event)

    bus.subscribe(JobEvent, on_job)
    bus.subscribe(DomainEvent, on_any)
    events = [cancelled(), missing(), cancelled()]

    await bus.publish(events)

    assert jobs == [events[0], events[2]]
    assert everything == events


async def test_a_failing_handler_is_logged_and_the_others_still_run(caplog):
    bus, seen = MessageBus(), []

    async def broken(event: DomainEvent) -> None:
        raise RuntimeError("webhook down")

    async def works(event: DomainEvent) -> None:
        seen.append(event)

    bus.subscribe(DomainEvent, broken)
    bus.subscribe(DomainEvent, works)
    event = cancelled()

    await bus.publish([event])

    assert seen == [event]
    assert "job.cancelled" in caplog.text
