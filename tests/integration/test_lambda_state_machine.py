"""The real state machine definition, executed by moto's ASL engine, with Lambda Tasks that
run MPR's handler (through tests.integration.lambda_runtime_emulator): createJob alone
drives a job to its end, Lambda throttling is retried, and a Lambda killed mid-run reaches
MPR through the Catch step, which retries the job."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest

from mpr.domain.spec_codec import spec_from_dict
from tests.integration.lambda_fixtures import ROLE_ARN, ROOT, definition, sfn_client
from tests.integration.lambda_runtime_emulator import Emulator, lambda_emulator
from tests.integration.media import make_clip
from tests.integration.s3_fixtures import CREDENTIALS, REGION
from tests.integration.server_fixtures import MprServer, free_port, running_server

CREATE_JOB = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }"
JOB = """query ($id: ID!) { job(id: $id) { id status progress errorMessage attempts
  executionArn outputPath outputAssetId } }"""


@dataclass
class Interpreter:
    server: MprServer
    emulator: Emulator
    sfn: Any
    assets: dict[str, str]

    def job(self, job_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.server.data(JOB, {"id": job_id})["job"]
        return found

    def wait(self, job_id: str, status: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (job := self.job(job_id))["status"] != status:
            assert time.monotonic() < deadline, f"{job}\n{self.server.log_tail()}"
            time.sleep(0.1)
        return job

    def history(self, arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.sfn.get_execution_history(
            executionArn=arn, maxResults=1000)["events"]
        return events

    def executions_of(self, job_id: str) -> list[str]:
        """The job's executions, oldest first."""
        machine = self.sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
        found = self.sfn.list_executions(stateMachineArn=machine)["executions"]
        mine = sorted((e for e in found if e["name"].startswith(job_id)),
                      key=lambda e: e["startDate"])
        return [e["executionArn"] for e in mine]

    def ended(self, arn: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (found := self.sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            assert time.monotonic() < deadline, f"execution {arn} still running"
            time.sleep(0.1)
        return dict(found)


def _moto_with_engine(port: int, lambda_port: int) -> subprocess.Popen[bytes]:
    """moto's server in a process of its own, its ASL engine invoking Lambda at lambda_port."""
    env = {**os.environ, **CREDENTIALS, "MOTO_PORT": str(lambda_port)}
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                str(port)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.post(f"{endpoint}/moto-api/config",
                       json={"stepfunctions": {"execute_state_machine": True}}
                       ).raise_for_status()
            return process
        except httpx.TransportError:
            assert time.monotonic() < deadline, "moto's server did not start"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def interpreter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Interpreter]:
    tmp = tmp_path_factory.mktemp("asl")
    api_port, moto_port = free_port(), free_port()
    endpoint = f"http://127.0.0.1:{moto_port}"
    secret = secrets.token_hex(32)
    buckets = {"MPR_S3_BUCKET_IN": f"asl-in-{secrets.token_hex(4)}",
               "MPR_S3_BUCKET_OUT": f"asl-out-{secrets.token_hex(4)}"}
    common = {**CREDENTIALS, **buckets, "MPR_STORAGE": "s3", "MPR_S3_ENDPOINT_URL": endpoint,
              "MPR_CALLBACK_URL": f"http://127.0.0.1:{api_port}", "MPR_CALLBACK_SECRET": secret}
    lambda_env = {k: v for k, v in os.environ.items() if not k.startswith(("MPR_", "AWS_"))}
    lambda_env.update({**common, "MPR_DATA_DIR": str(tmp / "lambda"), "PYTHONPATH":
                       os.pathsep.join([str(ROOT / "src"), str(ROOT)])})
    with lambda_emulator(lambda_env, ROOT) as emulator:
        moto = _moto_with_engine(moto_port, emulator.port)
        try:
            s3 = boto3.session.Session(aws_access_key_id="testing",
                                       aws_secret_access_key="testing",
                                       region_name=REGION).client("s3", endpoint_url=endpoint)
            for bucket in buckets.values():
                s3.create_bucket(Bucket=bucket)
            clip = make_clip(tmp / "clip.mp4", duration=3, width=320, height=240)
            s3.upload_file(str(clip), buckets["MPR_S3_BUCKET_IN"], "clip.mp4")
            slow = make_clip(tmp / "slow.mp4", duration=8, width=640, height=360)
            s3.upload_file(str(slow), buckets["MPR_S3_BUCKET_IN"], "slow.mp4")
            sfn = sfn_client(endpoint)
            arn = sfn.create_state_machine(name="mpr-asl", definition=definition(),
                                           roleArn=ROLE_ARN)["stateMachineArn"]
            env = {**common, "MPR_EXECUTOR": "lambda", "MPR_SFN_STATE_MACHINE_ARN": arn,
                   "AWS_ENDPOINT_URL_SFN": endpoint, "MPR_SAMPLES": "false",
                   "MPR_MAX_ATTEMPTS": "2", "MPR_WORKER_HEARTBEAT_TIMEOUT": "30"}
            with running_server("asl", tmp / "api", env, port=api_port) as server:
                server.data("mutation { scanMediaFolder { registered } }")
                assets = {a["filePath"]: a["id"] for a in server.data(
                    "query { assets(location: \"input\") { id filePath } }")["assets"]}
                yield Interpreter(server, emulator, sfn, assets)
        finally:
            moto.terminate()
            moto.wait(10)


def create(interpreter: Interpreter, key: str, preset: str) -> str:
    presets = interpreter.server.preset_ids()
    made = interpreter.server.data(CREATE_JOB, {"input": {
        "sourceAssetId": interpreter.assets[key], "presetId": presets[preset]}})
    return str(made["createJob"]["id"])


def test_create_job_alone_runs_the_definition_and_the_handler_to_completion(interpreter):
    before = len(interpreter.emulator.invocations)

    job_id = create(interpreter, "clip.mp4", "h264-480p")

    done = interpreter.wait(job_id, "completed")
    execution = interpreter.ended(done["executionArn"])
    invoked = interpreter.emulator.invocations[before:]
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["outcome"] == "reported"
    assert [i.plan for i in invoked] == ["run"]
    assert str(spec_from_dict(invoked[0].payload).job_id) == job_id  # the input, unchanged
    assert done["outputAssetId"] is not None


def test_lambda_throttling_is_retried_with_backoff(interpreter):
    interpreter.emulator.plans[:] = ["throttle"]
    before = len(interpreter.emulator.invocations)

    job_id = create(interpreter, "clip.mp4", "copy")

    done = interpreter.wait(job_id, "completed")
    execution = interpreter.ended(done["executionArn"])
    failures = [e for e in interpreter.history(done["executionArn"])
                if e["type"] == "TaskFailed"]
    assert execution["status"] == "SUCCEEDED"
    assert [i.plan for i in interpreter.emulator.invocations[before:]] == ["throttle", "run"]
    assert [e["taskFailedEventDetails"]["error"] for e in failures] == [
        "Lambda.TooManyRequestsException"]


def test_a_killed_lambda_reaches_mpr_through_the_catch_and_the_job_is_retried(interpreter):
    interpreter.emulator.plans[:] = ["kill"]
    before = len(interpreter.emulator.invocations)

    job_id = create(interpreter, "slow.mp4", "h264-720p")

    done = interpreter.wait(job_id, "completed", timeout=120)
    first_arn, last_arn = interpreter.executions_of(job_id)
    first = interpreter.ended(first_arn)
    invoked = interpreter.emulator.invocations[before:]
    report = invoked[1].payload
    assert (first["status"], first["error"]) == ("FAILED", "MPR.RunFailed")
    assert [i.plan for i in invoked] == ["kill", "run", "run"]
    # the Catch step's input: the execution input plus Step Functions' error output
    assert set(report) == {*invoked[0].payload, "error"}
    assert set(report["error"]) == {"Error", "Cause"}
    assert report["error"]["Error"] == "Runtime.ExitError"
    assert json.loads(report["error"]["Cause"])["errorType"] == "Runtime.ExitError"
    assert invoked[1].answer == {"job_id": job_id, "run": 1, "outcome": "crash reported"}
    assert spec_from_dict(invoked[2].payload).run == 2
    assert done["attempts"] == 2
    assert done["executionArn"] == last_arn
