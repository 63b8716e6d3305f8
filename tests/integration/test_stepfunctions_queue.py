"""The Step Functions JobQueue against moto's server: idempotent dispatch per run, stop,
stats, clear errors, and an endpoint taken from boto3's standard configuration."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace

import pytest

from mpr.adapters.queue.stepfunctions_queue import StepFunctionsQueue
from mpr.domain.errors import NotFound, QueueError
from mpr.domain.job import Trim
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.ports import Dispatch
from mpr.domain.spec_codec import spec_to_json
from tests.factories import make_job, make_preset
from tests.integration.lambda_fixtures import ROLE_ARN, definition, sfn_client
from tests.integration.s3_fixtures import CREDENTIALS, credentials_enforced


@pytest.fixture
def machine(moto_endpoint):
    sfn = sfn_client(moto_endpoint)
    arn = sfn.create_state_machine(name=f"q-{secrets.token_hex(6)}", definition=definition(),
                                   roleArn=ROLE_ARN)["stateMachineArn"]
    return sfn, arn


@pytest.fixture
def queue(machine, moto_endpoint, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SFN", moto_endpoint)  # boto3's own configuration
    return StepFunctionsQueue(machine[1])


def spec(run: int = 1) -> TranscodeSpec:
    job = make_job()
    return TranscodeSpec(job_id=job.id, source_path="a.mp4", source_duration=4.0,
                         preset=make_preset(), trim=Trim(), output_path=job.output_path,
                         run=run)


def test_a_repeated_dispatch_of_a_run_finds_its_execution(queue, machine):
    sfn, arn = machine
    one = spec()

    first = asyncio.run(queue.dispatch(one))
    again = asyncio.run(queue.dispatch(one))
    with_previous = asyncio.run(queue.dispatch(one, previous=first))

    assert first == again == with_previous
    assert first.execution_arn.endswith(f":{one.job_id}-r1")
    found = sfn.describe_execution(executionArn=first.execution_arn)
    assert (found["status"], found["input"]) == ("RUNNING", spec_to_json(one))
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 1


def test_a_run_whose_name_is_taken_by_an_ended_execution_takes_the_next(queue, machine):
    sfn, _ = machine
    one = spec()
    first = asyncio.run(queue.dispatch(one))
    asyncio.run(queue.stop(first.execution_arn, "cancelled"))

    again = asyncio.run(queue.dispatch(one, previous=Dispatch()))  # e.g. a restored database

    assert again.execution_arn.endswith(f":{one.job_id}-r1-2")
    assert sfn.describe_execution(executionArn=first.execution_arn)["status"] == "ABORTED"
    assert asyncio.run(queue.describe(again.execution_arn)).status == "RUNNING"


def test_cancel_stops_the_execution_and_ignores_one_that_ended(queue, machine):
    one = spec()
    dispatched = asyncio.run(queue.dispatch(one))
    job = replace(make_job(), id=one.job_id, execution_arn=dispatched.execution_arn)

    asyncio.run(queue.cancel(job))
    asyncio.run(queue.cancel(job))

    state = asyncio.run(queue.describe(dispatched.execution_arn))
    assert (state.status, state.ended) == ("ABORTED", True)


def test_stats_count_the_running_executions(queue):
    for _ in range(3):
        asyncio.run(queue.dispatch(spec()))

    stats = asyncio.run(queue.stats())

    assert (stats.running, stats.workers) == (3, 3)


def test_an_unknown_execution_is_not_found(queue, machine):
    missing = machine[1].replace(":stateMachine:", ":execution:") + ":nope"

    with pytest.raises(NotFound):
        asyncio.run(queue.describe(missing))


def test_a_missing_state_machine_is_named(machine, moto_endpoint, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)  # the generic variable works too
    gone = StepFunctionsQueue(machine[1] + "-gone")

    with pytest.raises(QueueError, match="does not exist") as checked:
        asyncio.run(gone.check())
    with pytest.raises(QueueError, match="does not exist"):
        asyncio.run(gone.dispatch(spec()))
    assert "MPR_SFN_STATE_MACHINE_ARN" in str(checked.value)


def test_bad_credentials_are_named(queue, moto_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    wrong = StepFunctionsQueue(queue.arn)

    with credentials_enforced(moto_endpoint), pytest.raises(QueueError, match="credentials"):
        asyncio.run(wrong.check())
