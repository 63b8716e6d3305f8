"""Lambda mode end to end: moto's server (S3 + Step Functions), a real `mpr serve` with
MPR_EXECUTOR=lambda, and the handler run as a separate process on an execution's input.

The state machine is the real definition (deploy/aws/statemachine.asl.json) registered in
moto; in moto's default mode an execution stays RUNNING with its input recorded, which is
what the API's side needs (StartExecution, DescribeExecution, StopExecution). The Lambda's
side is `tests.integration.lambda_process`, run here on that input."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from mpr.domain.callback_signature import HEADER, signature
from tests.integration.s3_fixtures import CREDENTIALS, REGION
from tests.integration.server_fixtures import MprServer, free_port, running_server

__all__ = ["lambda_stack"]

ASL = Path(__file__).resolve().parents[2] / "deploy" / "aws" / "statemachine.asl.json"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:mpr-transcode"
ROLE_ARN = "arn:aws:iam::123456789012:role/mpr-state-machine"
ROOT = Path(__file__).resolve().parents[2]


def definition(function_arn: str = FUNCTION_ARN) -> str:
    """The deployed state machine's definition, its function substituted as SAM does."""
    return ASL.read_text().replace("${TranscodeFunctionArn}", function_arn)


def sfn_client(endpoint: str) -> Any:
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                 region_name=REGION).client("stepfunctions",
                                                            endpoint_url=endpoint)


@dataclass
class Handler:
    """One handler process running one invocation."""

    process: subprocess.Popen[str]
    data_dir: Path

    def result(self, timeout: float = 120) -> tuple[int, dict[str, Any]]:
        """Its exit code and what it printed last (the handler's result or error)."""
        out, err = self.process.communicate(timeout=timeout)
        lines = [line for line in out.splitlines() if line.startswith("{")]
        assert lines, f"the handler printed nothing; stderr:\n{err[-3000:]}"
        return self.process.returncode, json.loads(lines[-1])


@dataclass
class LambdaStack:
    """The API server in lambda mode and what a Lambda run needs to reach it."""

    server: MprServer
    sfn: Any
    state_machine_arn: str
    secret: str
    lambda_env: dict[str, str]
    tmp: Path

    def execution_input(self, arn: str) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.sfn.describe_execution(executionArn=arn)["input"])
        return found

    def status_of(self, arn: str) -> str:
        return str(self.sfn.describe_execution(executionArn=arn)["status"])

    def start_handler(self, event: Mapping[str, Any], seconds: float = 900,
                      env: Mapping[str, str] | None = None) -> Handler:
        """The handler as its own process on the event, with a Lambda-like context."""
        data_dir = self.tmp / f"lambda-{secrets.token_hex(4)}"
        full_env = {**self.lambda_env, "MPR_DATA_DIR": str(data_dir), **(env or {})}
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.lambda_process", str(seconds)],
            env=full_env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        assert process.stdin is not None
        process.stdin.write(json.dumps(event))
        process.stdin.close()
        process.stdin = None  # communicate() must not flush the closed pipe
        return Handler(process, data_dir)

    def post_callback(self, job_id: str, body: bytes, at: float | None = None,
                      header: str | None = None) -> Any:
        """POST a callback signed with the server's secret at `at` (default now)."""
        signed = header if header is not None else signature(
            self.secret.encode(), int(at if at is not None else time.time()), body)
        headers = {"Content-Type": "application/json", **({HEADER: signed} if signed else {})}
        return self.server.client.post(f"/api/jobs/{job_id}/callback", content=body,
                                       headers={**headers, "Authorization": ""})


@pytest.fixture(scope="module")
def lambda_stack(moto_endpoint: str, s3_server_env: dict[str, str],
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaStack]:
    """`mpr serve` in lambda mode against moto, with its own state machine and buckets."""
    sfn = sfn_client(moto_endpoint)
    name = f"mpr-{secrets.token_hex(6)}"
    arn = sfn.create_state_machine(name=name, definition=definition(),
                                   roleArn=ROLE_ARN)["stateMachineArn"]
    secret = secrets.token_hex(32)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    common = {**s3_server_env, **CREDENTIALS, "MPR_CALLBACK_URL": base,
              "MPR_CALLBACK_SECRET": secret}
    server_env = {**common, "MPR_EXECUTOR": "lambda", "MPR_SFN_STATE_MACHINE_ARN": arn,
                  "AWS_ENDPOINT_URL_SFN": moto_endpoint, "MPR_WORKER_HEARTBEAT_TIMEOUT": "6",
                  "MPR_MAX_ATTEMPTS": "2", "MPR_SAMPLES": "false"}
    lambda_env = {k: v for k, v in os.environ.items() if not k.startswith(("MPR_", "AWS_"))}
    lambda_env.update({**common, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "MPR_LAMBDA_DEADLINE_MARGIN": "2", "MPR_LOG_LEVEL": "INFO"})
    tmp = tmp_path_factory.mktemp("lambda")
    with running_server("lambda", tmp / "api", server_env, port=port) as server:
        yield LambdaStack(server, sfn, arn, secret, lambda_env, tmp)
    with contextlib.suppress(Exception):
        sfn.delete_state_machine(stateMachineArn=arn)
