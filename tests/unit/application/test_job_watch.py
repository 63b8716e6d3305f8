import asyncio
import dataclasses

import pytest

from mpr.application.job_watch import JobWatch
from mpr.domain.errors import NotFound
from mpr.domain.events import JobCancelled
from mpr.domain.job import JobStatus, TranscodeJob
from tests.factories import make_job

INTERVAL = 0.01


class ScriptedJob:
    """The job as the database holds it, moving along a script one step per read."""

    def __init__(self, steps: list[TranscodeJob], hold_last: bool = True) -> None:
        self.steps, self.reads = steps, 0
        self._hold_last = hold_last

    async def load(self, job_id: str) -> TranscodeJob:
        if job_id != str(self.steps[0].id):
            raise NotFound("job", job_id)
        step = self.steps[min(self.reads, len(self.steps) - 1)]
        self.reads += 1
        return step


def states(*changes: dict) -> list[TranscodeJob]:
    job = make_job()
    return [dataclasses.replace(job, **change) for change in changes]


async def collect(watch: JobWatch, job_id: str) -> list[tuple[JobStatus, float]]:
    return [(job.status, job.progress) async for job in watch.updates(job_id)]


async def test_every_subscriber_sees_each_change_from_one_shared_poll():
    script = ScriptedJob(states(
        {"status": JobStatus.PENDING}, {"status": JobStatus.PROCESSING, "progress": 10.0},
        {"status": JobStatus.PROCESSING, "progress": 10.0},  # a heartbeat: nothing visible
        {"status": JobStatus.PROCESSING, "progress": 60.0},
        {"status": JobStatus.COMPLETED, "progress": 100.0}))
    watch = JobWatch(script.load, INTERVAL)
    job_id = str(script.steps[0].id)

    seen = await asyncio.wait_for(
        asyncio.gather(*(collect(watch, job_id) for _ in range(20))), 5)

    assert seen == [[(JobStatus.PENDING, 0.0), (JobStatus.PROCESSING, 10.0),
                     (JobStatus.PROCESSING, 60.0), (JobStatus.COMPLETED, 100.0)]] * 20
    assert script.reads == 5  # one read per poll, not one per subscriber
    assert watch.polled == 0


async def test_a_late_subscriber_gets_the_job_as_it_is_now_then_its_changes():
    script = ScriptedJob(states({"status": JobStatus.PROCESSING, "progress": 30.0}))
    watch = JobWatch(script.load, INTERVAL)
    job_id = str(script.steps[0].id)
    first = watch.updates(job_id)
    assert (await anext(first)).progress == 30.0

    late = watch.updates(job_id)
    now = await asyncio.wait_for(anext(late), 1)
    script.steps.append(dataclasses.replace(script.steps[0], status=JobStatus.CANCELLED))
    ends = await asyncio.wait_for(collect_rest(late), 1)

    assert now.progress == 30.0
    assert ends == [JobStatus.CANCELLED]
    await first.aclose()


async def collect_rest(updates):
    return [job.status async for job in updates]


async def test_the_poll_stops_when_the_last_subscriber_leaves():
    script = ScriptedJob(states({"status": JobStatus.PROCESSING, "progress": 5.0}))
    watch = JobWatch(script.load, INTERVAL)
    job_id = str(script.steps[0].id)
    a, b = watch.updates(job_id), watch.updates(job_id)
    await anext(a)
    await anext(b)

    await a.aclose()
    assert watch.polled == 1
    await b.aclose()
    reads = script.reads
    await asyncio.sleep(5 * INTERVAL)

    assert watch.polled == 0
    assert script.reads == reads


async def test_an_unknown_job_raises_not_found_to_every_subscriber():
    script = ScriptedJob(states({"status": JobStatus.PENDING}))
    watch = JobWatch(script.load, INTERVAL)
    missing = "6f1c1b8e-0000-4000-8000-000000000000"

    results = await asyncio.gather(collect(watch, missing), collect(watch, missing),
                                   return_exceptions=True)

    assert [type(r) for r in results] == [NotFound, NotFound]
    assert watch.polled == 0


async def test_a_job_that_already_ended_is_yielded_once_and_the_stream_ends():
    script = ScriptedJob(states({"status": JobStatus.FAILED, "error_message": "bad input"}))
    watch = JobWatch(script.load, INTERVAL)

    seen = await asyncio.wait_for(collect(watch, str(script.steps[0].id)), 1)

    assert seen == [(JobStatus.FAILED, 0.0)]
    assert script.reads == 1


@pytest.mark.parametrize("subscribers", [1, 3])
async def test_after_an_ended_job_a_new_subscriber_reads_afresh(subscribers):
    script = ScriptedJob(states({"status": JobStatus.COMPLETED, "progress": 100.0}))
    watch = JobWatch(script.load, INTERVAL)
    job_id = str(script.steps[0].id)
    for _ in range(subscribers):
        await collect(watch, job_id)

    assert script.reads == subscribers


def changed(job: TranscodeJob) -> JobCancelled:
    """Any job event: the watch only takes it as 'read this job again'."""
    return JobCancelled(at=job.updated_at, job_id=job.id, status=job.status)


async def test_an_event_brings_the_change_at_once_without_waiting_for_the_safety_poll():
    script = ScriptedJob(states({"status": JobStatus.PROCESSING, "progress": 10.0},
                                {"status": JobStatus.PROCESSING, "progress": 70.0}))
    watch = JobWatch(script.load, interval=60)
    updates = watch.updates(str(script.steps[0].id))
    assert (await anext(updates)).progress == 10.0

    await watch.notify(changed(script.steps[0]))
    after_event = await asyncio.wait_for(anext(updates), 1)

    assert after_event.progress == 70.0
    assert script.reads == 2
    await updates.aclose()


async def test_without_events_the_job_is_read_again_only_by_the_safety_poll():
    script = ScriptedJob(states({"status": JobStatus.PROCESSING, "progress": 10.0},
                                {"status": JobStatus.PROCESSING, "progress": 70.0}))
    watch = JobWatch(script.load, interval=0.2)
    updates = watch.updates(str(script.steps[0].id))
    await anext(updates)

    await asyncio.sleep(0.1)
    reads_before_the_poll = script.reads
    after_poll = await asyncio.wait_for(anext(updates), 1)

    assert reads_before_the_poll == 1
    assert after_poll.progress == 70.0
    await updates.aclose()


async def test_events_of_unwatched_jobs_cost_no_read_and_a_burst_costs_one_or_two():
    script = ScriptedJob(states({"status": JobStatus.PROCESSING, "progress": 10.0}))
    watch = JobWatch(script.load, interval=60)
    job = script.steps[0]
    updates = watch.updates(str(job.id).upper())  # the same job, however the id is spelt
    await anext(updates)

    await watch.notify(changed(make_job()))
    for _ in range(50):
        await watch.notify(changed(job))
    await asyncio.sleep(0.05)

    assert 2 <= script.reads <= 3
    assert watch.polled == 1
    await updates.aclose()
