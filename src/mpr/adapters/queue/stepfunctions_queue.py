"""The JobQueue port on AWS Step Functions (lambda mode): one execution per run of a job.

The execution's input is the job's spec (spec_codec JSON), which the state machine hands
to the Lambda unchanged. Its name is derived from the job id and the run number, so a
repeated dispatch of the same run finds the execution already started (Step Functions
answers a StartExecution of a running execution's name and input with that execution).
Run numbers are never reused for a job, but execution names stay taken for 90 days (a
database restored from a backup, another MPR on the same state machine), so a name held by
an ended execution (or another input) moves on to the next suffix. Step Functions has no
priorities: every execution starts at once. The client takes its endpoint from boto3's
standard configuration (AWS_ENDPOINT_URL_SFN or AWS_ENDPOINT_URL: how the tests point it at
moto); the region comes from the ARN.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from mpr.domain.errors import NotFound, QueueError
from mpr.domain.executions import ExecutionState
from mpr.domain.job import TranscodeJob
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.ports import Dispatch, QueueStats
from mpr.domain.spec_codec import spec_to_json

T = TypeVar("T")
MAX_NAMES = 50  # suffixes tried for one attempt before giving up
MAX_LISTED = 10_000  # running executions counted for stats
DENIED = frozenset({"AccessDeniedException", "UnrecognizedClientException",
                    "InvalidSignatureException", "ExpiredTokenException",
                    "InvalidClientTokenId", "403"})
THROTTLED = frozenset({"ThrottlingException", "TooManyRequestsException",
                       "ExecutionLimitExceeded"})


def region_of(state_machine_arn: str) -> str:
    """The region an ARN names (arn:aws:states:<region>:...); the settings checked its form."""
    return state_machine_arn.split(":")[3]


def execution_name(spec: TranscodeSpec, n: int = 1) -> str:
    """The n-th name a run's execution may take (80 characters at most)."""
    base = f"{spec.job_id}-r{spec.run}"
    return base if n == 1 else f"{base}-{n}"


def make_sfn_client(region: str, quick: bool = False) -> Any:
    """A Step Functions client from the standard AWS_* settings and endpoint configuration."""
    config = Config(retries={"mode": "standard", "max_attempts": 1 if quick else 4},
                    connect_timeout=2 if quick else 10, read_timeout=3 if quick else 30)
    return boto3.session.Session().client("stepfunctions", region_name=region, config=config)


class StepFunctionsQueue:
    """Dispatch = StartExecution, cancel = StopExecution, stats = the running executions."""

    def __init__(self, state_machine_arn: str, client: Any | None = None) -> None:
        self.arn = state_machine_arn
        region = region_of(state_machine_arn)
        self._client = client or make_sfn_client(region)
        self._quick = make_sfn_client(region, quick=True) if client is None else client
        self._executions = state_machine_arn.replace(":stateMachine:", ":execution:", 1)

    async def dispatch(self, spec: TranscodeSpec, priority: int = 0,
                       previous: Dispatch | None = None) -> Dispatch:
        """Start the run's execution, or find the one already running it."""
        return Dispatch(execution_arn=await self._call(self._start, spec, previous))

    def _start(self, spec: TranscodeSpec, previous: Dispatch | None) -> str:
        payload = spec_to_json(spec)
        if previous and previous.execution_arn and self._runs(previous.execution_arn, payload):
            return previous.execution_arn
        for n in range(1, MAX_NAMES + 1):
            name = execution_name(spec, n)
            try:
                started = self._client.start_execution(stateMachineArn=self.arn, name=name,
                                                       input=payload)
                return str(started["executionArn"])
            except ClientError as e:
                if _code(e) != "ExecutionAlreadyExists":
                    raise
            if self._runs(f"{self._executions}:{name}", payload):
                return f"{self._executions}:{name}"
        raise QueueError(f"no free execution name for job {spec.job_id} run "
                         f"{spec.run} after {MAX_NAMES} tries")

    def _runs(self, arn: str, payload: str) -> bool:
        """True when the execution is running with exactly this input."""
        try:
            found = self._client.describe_execution(executionArn=arn)
        except ClientError as e:
            if _code(e) == "ExecutionDoesNotExist":
                return False
            raise
        return bool(found["status"] == "RUNNING" and found.get("input") == payload)

    async def cancel(self, job: TranscodeJob) -> None:
        """Stop the job's execution; its Lambda learns of the cancel at its next callback."""
        if job.execution_arn:
            await self.stop(job.execution_arn, f"job {job.id} cancelled in MPR")

    async def stop(self, arn: str, cause: str) -> None:
        await self._call(self._stop, arn, cause)

    def _stop(self, arn: str, cause: str) -> None:
        try:
            self._client.stop_execution(executionArn=arn, error="MPR.Stopped",
                                        cause=cause[:32768])
        except ClientError as e:
            if _code(e) not in ("ExecutionDoesNotExist", "ValidationException"):
                raise

    async def describe(self, arn: str) -> ExecutionState:
        return await self._call(self._describe, arn)

    def _describe(self, arn: str) -> ExecutionState:
        try:
            found = self._client.describe_execution(executionArn=arn)
        except ClientError as e:
            if _code(e) == "ExecutionDoesNotExist":
                raise NotFound("execution", arn) from e
            raise
        return ExecutionState(arn=arn, status=str(found["status"]), error=found.get("error"),
                              cause=found.get("cause"))

    async def check(self) -> None:
        await self._call(lambda: self._quick.describe_state_machine(stateMachineArn=self.arn))

    async def stats(self) -> QueueStats:
        running = await self._call(self._running)
        return QueueStats(depth=0, workers=running, running=running)

    def _running(self) -> int:
        pages = self._quick.get_paginator("list_executions").paginate(
            stateMachineArn=self.arn, statusFilter="RUNNING",
            PaginationConfig={"MaxItems": MAX_LISTED, "PageSize": 1000})
        return sum(len(page["executions"]) for page in pages)

    async def close(self) -> None:
        """Close the clients' connection pools."""
        self._client.close()
        self._quick.close()

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking boto3 call in a thread; its errors become QueueError that say why."""
        try:
            return await asyncio.to_thread(fn, *args)
        except (ClientError, BotoCoreError) as e:
            raise QueueError(self._reason(e)) from e

    def _reason(self, error: Exception) -> str:
        code = _code(error)
        if code == "StateMachineDoesNotExist":
            return (f"Step Functions: state machine {self.arn} does not exist (check "
                    "MPR_SFN_STATE_MACHINE_ARN and the region)")
        if code in THROTTLED:
            return f"Step Functions throttled the call ({code}); it is tried again later"
        if code in DENIED or isinstance(error, NoCredentialsError):
            return (f"Step Functions refused the credentials ({_denial(error)}); check the "
                    "AWS credentials and that the role may start, stop and describe "
                    f"executions of {self.arn}")
        if isinstance(error, ClientError):
            message = error.response.get("Error", {}).get("Message", "")
            return f"Step Functions: {code} {message}".rstrip()
        return f"Step Functions cannot be reached: {error}"


def _code(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


def _denial(error: Exception) -> str:
    """The code of a refusal; some endpoints answer 403 with an XML body naming it."""
    code = _code(error)
    if code == "403" and isinstance(error, ClientError):
        message = str(error.response.get("Error", {}).get("Message", ""))
        if "<Code>" in message:
            return message.split("<Code>", 1)[1].split("</Code>", 1)[0][:80]
    return code or type(error).__name__
