import pytest

from mpr.application.reconcile_executions import ReconcileExecutions
from mpr.domain.errors import NotFound
from mpr.domain.executions import ExecutionState
from mpr.domain.job import JobStatus
from mpr.domain.ports import Dispatch
from tests.factories import make_asset, make_job
from tests.unit.fakes import FakeQueue

pytestmark = pytest.mark.asyncio


class FakeExecutions:
    """Executions by ARN; unknown ones are NotFound; stop records and aborts."""

    def __init__(self) -> None:
        self.states: dict[str, ExecutionState] = {}
        self.stopped: list[str] = []

    async def describe(self, arn: str) -> ExecutionState:
        if arn not in self.states:
            raise NotFound("execution", arn)
        return self.states[arn]

    async def stop(self, arn: str, cause: str) -> None:
        self.stopped.append(arn)
        self.states[arn] = ExecutionState(arn, "ABORTED")


class ExecutionQueue(FakeQueue):
    """A queue that answers with execution ARNs, as Step Functions does."""

    async def dispatch(self, spec, priority=0, previous=None):
        await super().dispatch(spec, priority, previous)
        return Dispatch(execution_arn=f"arn:x:execution:m:{spec.job_id}-r{spec.run}")


@pytest.fixture
def queue():
    return ExecutionQueue()


@pytest.fixture
def executions():
    return FakeExecutions()


@pytest.fixture
def reconcile(uow, queue, executions, clock):
    return ReconcileExecutions(uow, queue, executions, clock, heartbeat_timeout=30,
                               max_attempts=2)


def stored_job(tables, clock, status="processing", arn="arn:x:execution:m:a1", attempts=1):
    source = make_asset()
    tables.assets[source.id] = source
    job = make_job(source.id, execution_arn=arn)
    if status == "processing":
        job.start(clock.now(), "lambda:a1")
        job.execution_arn = arn
    job.attempts = attempts
    tables.jobs[job.id] = job
    return job


async def test_a_processing_job_whose_execution_failed_is_retried(reconcile, tables, clock,
                                                                  executions, queue):
    job = stored_job(tables, clock)
    executions.states[job.execution_arn] = ExecutionState(job.execution_arn, "FAILED",
                                                          "Runtime.ExitError", "killed")

    result = await reconcile()

    assert (result.requeued, result.failed) == (1, 0)
    assert tables.jobs[job.id].status is JobStatus.PENDING
    assert queue.dispatched == [job.id]


async def test_after_max_attempts_it_fails_with_the_executions_error_and_cause(
        reconcile, tables, clock, executions):
    job = stored_job(tables, clock, attempts=2)
    executions.states[job.execution_arn] = ExecutionState(job.execution_arn, "TIMED_OUT",
                                                          "States.Timeout", "took too long")

    await reconcile()

    stored = tables.jobs[job.id]
    assert stored.status is JobStatus.FAILED
    assert "States.Timeout" in stored.error_message
    assert "took too long" in stored.error_message


async def test_a_job_whose_callbacks_stopped_has_its_execution_stopped_and_is_retried(
        reconcile, tables, clock, executions):
    job = stored_job(tables, clock)
    executions.states[job.execution_arn] = ExecutionState(job.execution_arn, "RUNNING")
    clock.advance(31)

    await reconcile()

    assert executions.stopped == [job.execution_arn]
    assert tables.jobs[job.id].status is JobStatus.PENDING


async def test_a_live_execution_is_left_alone(reconcile, tables, clock, executions, queue):
    job = stored_job(tables, clock)
    executions.states[job.execution_arn] = ExecutionState(job.execution_arn, "RUNNING")

    result = await reconcile()

    assert (result.requeued, result.failed, result.dispatched) == (0, 0, 0)
    assert tables.jobs[job.id].status is JobStatus.PROCESSING


async def test_a_pending_job_whose_execution_ended_before_any_callback_counts_an_attempt(
        reconcile, tables, clock, executions):
    job = stored_job(tables, clock, status="pending", attempts=0)
    executions.states[job.execution_arn] = ExecutionState(job.execution_arn, "FAILED")

    await reconcile()

    stored = tables.jobs[job.id]
    assert (stored.status, stored.attempts) == (JobStatus.PENDING, 1)


async def test_pending_jobs_with_no_execution_are_started(reconcile, tables, clock, queue):
    job = stored_job(tables, clock, status="pending", arn=None, attempts=0)

    result = await reconcile()

    assert result.dispatched == 1
    assert queue.dispatched == [job.id]
