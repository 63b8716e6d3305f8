"""Lambda mode end to end: `mpr serve` with MPR_EXECUTOR=lambda on moto's S3 and Step
Functions, the handler run as its own process on the execution's input, calling back over
HTTP with signatures (see lambda_fixtures)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mpr.domain.callback_codec import CallbackEvent, event_to_json
from mpr.domain.media import MediaInfo
from mpr.domain.spec_codec import spec_from_dict
from tests.integration.lambda_fixtures import LambdaStack
from tests.integration.media import make_clip, probe
from tests.integration.server_fixtures import ffmpeg_pids

CREATE_JOB = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id status } }"
JOB = """query ($id: ID!) { job(id: $id) { id status progress errorMessage outputPath
  outputAssetId attempts executionArn trimStart trimEnd warnings } }"""
ASSET = "query ($id: ID!) { asset(id: $id) { id filePath location status fileSize } }"
ASSETS = "query { assets(location: \"input\", limit: 50) { id filePath } }"


@pytest.fixture(scope="module")
def sources(lambda_stack: LambdaStack, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, dict[str, Any]]:
    """Clips in the input bucket, scanned: assets by key."""
    root = tmp_path_factory.mktemp("lambda-sources")
    server = lambda_stack.server
    server.put_input("clip.mp4", make_clip(root / "clip.mp4", duration=4, width=320, height=240))
    server.put_input("medium.mp4", make_clip(root / "medium.mp4", duration=8, width=640,
                                             height=360))
    server.put_input("long.mp4", make_clip(root / "long.mp4", duration=30, width=640,
                                           height=360, fps=30))
    server.data("mutation { scanMediaFolder { found registered skipped } }")
    return {a["filePath"]: a for a in server.data(ASSETS)["assets"]}


def presets(stack: LambdaStack) -> dict[str, str]:
    return stack.server.preset_ids()


def create(stack: LambdaStack, source: dict[str, Any], **fields: Any) -> dict[str, Any]:
    made = stack.server.data(CREATE_JOB, {"input": {"sourceAssetId": source["id"], **fields}})
    return job(stack, made["createJob"]["id"])


def job(stack: LambdaStack, job_id: str) -> dict[str, Any]:
    found: dict[str, Any] = stack.server.data(JOB, {"id": job_id})["job"]
    return found


def wait(stack: LambdaStack, job_id: str, predicate: Any, timeout: float = 30
         ) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = job(stack, job_id)
        if predicate(found):
            return found
        assert time.monotonic() < deadline, f"job never got there: {found}\n" \
                                            f"{stack.server.log_tail()}"
        time.sleep(0.05)


def digest(data: bytes | None) -> str:
    assert data is not None
    return hashlib.sha256(data).hexdigest()


def run_to_completion(stack: LambdaStack, created: dict[str, Any]) -> dict[str, Any]:
    """Run the handler on the job's execution input; the job as completed, with the
    progress values seen while it ran."""
    handler = stack.start_handler(stack.execution_input(created["executionArn"]))
    seen = []
    while handler.process.poll() is None:
        seen.append(job(stack, created["id"]))
        time.sleep(0.05)
    code, result = handler.result()
    assert (code, result["outcome"]) == (0, "reported"), result
    done = wait(stack, created["id"], lambda j: j["status"] != "processing")
    assert done["status"] == "completed", done
    done["seen"] = seen
    return done


def check_output(stack: LambdaStack, done: dict[str, Any]) -> Path:
    asset = stack.server.data(ASSET, {"id": done["outputAssetId"]})["asset"]
    assert (asset["location"], asset["status"], asset["filePath"]) == (
        "output", "ready", done["outputPath"])
    output = stack.server.output_file(done["outputPath"])
    assert output.is_file()
    assert asset["fileSize"] == output.stat().st_size
    return output


def test_ready_reports_the_state_machine_and_the_callback(lambda_stack):
    body = lambda_stack.server.client.get("/ready").json()

    assert body["components"]["queue"] == {
        "ok": True, "detail": f"stepfunctions: {lambda_stack.state_machine_arn}"}
    assert body["components"]["callback"]["ok"]
    assert "/api/jobs/{id}/callback" in body["components"]["callback"]["detail"]


def test_create_job_starts_an_execution_whose_input_is_the_spec(lambda_stack, sources):
    created = create(lambda_stack, sources["clip.mp4"], presetId=presets(lambda_stack)["copy"])

    spec = spec_from_dict(lambda_stack.execution_input(created["executionArn"]))
    assert created["status"] == "pending"
    assert lambda_stack.status_of(created["executionArn"]) == "RUNNING"
    assert (str(spec.job_id), spec.run, spec.source_path, spec.output_path) == (
        created["id"], 1, "clip.mp4", created["outputPath"])
    assert created["executionArn"].endswith(f":{created['id']}-r1")
    lambda_stack.server.data('mutation ($id: ID!) { cancelJob(id: $id) { id } }',
                             {"id": created["id"]})


def test_a_full_encode_runs_from_s3_to_s3_with_signed_callbacks(lambda_stack, sources):
    before = digest(lambda_stack.server.input_bytes("medium.mp4"))
    created = create(lambda_stack, sources["medium.mp4"],
                     presetId=presets(lambda_stack)["h264-480p"])

    done = run_to_completion(lambda_stack, created)

    output = check_output(lambda_stack, done)
    running = [j["progress"] for j in done["seen"] if j["status"] == "processing"]
    assert any(0 < p < 100 for p in running), f"no progress on the way: {running}"
    assert running == sorted(running)
    assert abs(probe(output).duration - 8) < 0.5
    assert digest(lambda_stack.server.input_bytes("medium.mp4")) == before


def test_a_trimmed_encode_lasts_the_trim(lambda_stack, sources):
    created = create(lambda_stack, sources["clip.mp4"], presetId=presets(lambda_stack)[
        "h264-480p"], trimStart=0.5, trimEnd=2.5)

    done = run_to_completion(lambda_stack, created)

    assert abs(probe(check_output(lambda_stack, done)).duration - 2.0) <= 0.15


def test_a_copy_cut_completes_without_re_encoding(lambda_stack, sources):
    created = create(lambda_stack, sources["clip.mp4"], trimStart=1.0, trimEnd=3.0)

    done = run_to_completion(lambda_stack, created)

    probed = probe(check_output(lambda_stack, done))
    assert 1.9 <= probed.duration <= 3.1  # from the keyframe at or before 1.0 s


def test_cancel_stops_the_execution_and_the_running_ffmpeg(lambda_stack, sources):
    created = create(lambda_stack, sources["long.mp4"],
                     presetId=presets(lambda_stack)["h265-1080p"])
    handler = lambda_stack.start_handler(lambda_stack.execution_input(created["executionArn"]))
    wait(lambda_stack, created["id"], lambda j: j["status"] == "processing" and j["progress"] > 0)
    assert ffmpeg_pids(str(handler.data_dir)), "the encode is not running"

    lambda_stack.server.data('mutation ($id: ID!) { cancelJob(id: $id) { id } }',
                             {"id": created["id"]})
    cancelled_at = time.monotonic()
    while ffmpeg_pids(str(handler.data_dir)) and time.monotonic() - cancelled_at < 5:
        time.sleep(0.05)
    stopped_in = time.monotonic() - cancelled_at

    code, result = handler.result()
    assert stopped_in < 3, f"ffmpeg ran {stopped_in:.1f} s after the cancel"
    assert (code, result["outcome"]) == (0, "stopped"), result
    assert lambda_stack.status_of(created["executionArn"]) == "ABORTED"
    assert created["outputPath"] not in lambda_stack.server.buckets.output_keys()
    assert not [p for p in handler.data_dir.rglob("*") if p.is_file()]

    lambda_stack.server.data('mutation ($id: ID!) { retryJob(id: $id) { id } }',
                             {"id": created["id"]})
    retried = wait(lambda_stack, created["id"], lambda j: j["executionArn"] is not None)
    assert retried["executionArn"] != created["executionArn"]
    assert lambda_stack.status_of(retried["executionArn"]) == "RUNNING"


def test_a_deadline_near_its_end_fails_cleanly(lambda_stack, sources):
    created = create(lambda_stack, sources["long.mp4"],
                     presetId=presets(lambda_stack)["h265-1080p"])
    started = time.monotonic()

    handler = lambda_stack.start_handler(lambda_stack.execution_input(created["executionArn"]),
                                         seconds=6)  # the margin is 2 s
    code, result = handler.result()

    failed = wait(lambda_stack, created["id"], lambda j: j["status"] == "failed")
    assert (code, result["outcome"]) == (0, "deadline"), result
    assert time.monotonic() - started < 8
    assert "would exceed the Lambda time limit" in failed["errorMessage"]
    assert created["outputPath"] not in lambda_stack.server.buckets.output_keys()
    assert not ffmpeg_pids(str(handler.data_dir))
    assert not [p for p in handler.data_dir.rglob("*") if p.is_file()]


def test_a_crash_caught_by_the_state_machine_retries_the_job(lambda_stack, sources):
    created = create(lambda_stack, sources["clip.mp4"], presetId=presets(lambda_stack)["copy"])
    event = lambda_stack.execution_input(created["executionArn"])
    caught = {**event, "error": {"Error": "Sandbox.Timedout",
                                 "Cause": '{"errorMessage": "Task timed out after 900 s"}'}}

    code, result = lambda_stack.start_handler(caught).result()

    retried = wait(lambda_stack, created["id"],
                   lambda j: j["status"] == "pending" and j["executionArn"] not in (
                       None, created["executionArn"]))
    assert (code, result["outcome"]) == (0, "crash reported")
    assert lambda_stack.execution_input(retried["executionArn"])["run"] == 2
    lambda_stack.server.data('mutation ($id: ID!) { cancelJob(id: $id) { id } }',
                             {"id": created["id"]})


def body_of(kind: str, job_id: str, seq: int, run: int = 1, **extra: Any) -> bytes:
    return json.dumps({"event": kind, "job_id": job_id, "run": run, "seq": seq,
                       **extra}).encode()


def progress_body(job_id: str, seq: int, percent: float, run: int = 1) -> bytes:
    return body_of("progress", job_id, seq, run, progress={
        "percent": percent, "current_time": None, "speed": None, "eta": None})


def test_forged_stale_replayed_and_out_of_order_callbacks_change_nothing(lambda_stack,
                                                                        sources):
    created = create(lambda_stack, sources["clip.mp4"], presetId=presets(lambda_stack)["copy"])
    jid = created["id"]
    post = lambda_stack.post_callback
    assert post(jid, body_of("started", jid, 10)).status_code == 200
    assert post(jid, progress_body(jid, 20, 40.0)).json()["accepted"] is True
    before = job(lambda_stack, jid)

    unsigned = post(jid, progress_body(jid, 30, 90.0), header="")
    forged = post(jid, progress_body(jid, 30, 90.0), header="t=1,v1=" + "0" * 64)
    body = progress_body(jid, 30, 90.0)
    stale = post(jid, body, at=time.time() - 600)
    wrong_secret = lambda_stack.server.client.post(
        f"/api/jobs/{jid}/callback", content=body, headers={
            "X-MPR-Signature": f"t={int(time.time())},v1={'a' * 64}"})
    replayed = post(jid, progress_body(jid, 20, 40.0))
    overtaken = post(jid, progress_body(jid, 15, 70.0))
    lower = post(jid, progress_body(jid, 25, 10.0))
    other_run = post(jid, progress_body(jid, 40, 95.0, run=2))
    malformed = post(jid, b'{"event": "progress"')
    other_job = post(jid, body_of("started", "0" * 8 + "-0000-4000-8000-" + "0" * 12, 50))

    assert [r.status_code for r in (unsigned, forged, stale, wrong_secret)] == [401] * 4
    assert (replayed.status_code, replayed.json()["accepted"]) == (200, False)
    assert (overtaken.status_code, overtaken.json()["accepted"]) == (200, False)
    assert (lower.status_code, lower.json()["accepted"]) == (200, True)
    assert (other_run.status_code, other_run.json()["reason"]) == (409, "stale run")
    assert (malformed.status_code, other_job.status_code) == (400, 400)
    after = job(lambda_stack, jid)
    assert (after["status"], after["progress"], after["attempts"]) == (
        "processing", before["progress"], 1)

    lambda_stack.server.data('mutation ($id: ID!) { cancelJob(id: $id) { id } }', {"id": jid})
    cancelled = post(jid, progress_body(jid, 60, 50.0))
    assert (cancelled.status_code, cancelled.json()) == (
        409, {"status": "cancelled", "accepted": False, "stop": True, "reason": "cancelled"})


def test_a_cancelled_run_calling_after_a_quick_retry_is_refused_and_the_new_run_takes_the_job(
        lambda_stack, sources):
    created = create(lambda_stack, sources["clip.mp4"], presetId=presets(lambda_stack)["copy"])
    jid = created["id"]
    post = lambda_stack.post_callback
    assert post(jid, progress_body(jid, 1, 30.0)).json()["accepted"] is True
    lambda_stack.server.data('mutation ($id: ID!) { cancelJob(id: $id) { id } }', {"id": jid})
    lambda_stack.server.data('mutation ($id: ID!) { retryJob(id: $id) { id } }', {"id": jid})
    retried = wait(lambda_stack, jid, lambda j: j["status"] == "pending"
                   and j["executionArn"] not in (None, created["executionArn"]))

    # run 1 has not seen its cancel yet and goes on calling, its seq moving on
    late_progress = post(jid, progress_body(jid, 2, 60.0, run=1))
    late_outcome = post(jid, event_to_json(CallbackEvent(
        "completed", uuid.UUID(jid), 1, 3, output_key=created["outputPath"], output_size=1,
        media=MediaInfo())))
    still = job(lambda_stack, jid)
    new_run = spec_from_dict(lambda_stack.execution_input(retried["executionArn"])).run
    taken = post(jid, progress_body(jid, 1, 5.0, run=new_run))

    assert [(r.status_code, r.json()["reason"]) for r in (late_progress, late_outcome)] == [
        (409, "stale run")] * 2
    assert (still["status"], still["progress"], still["outputAssetId"]) == ("pending", 0.0, None)
    assert new_run == 2
    assert retried["executionArn"].endswith(f":{jid}-r2")
    assert taken.json()["accepted"] is True
    after = job(lambda_stack, jid)
    assert (after["status"], after["attempts"], after["progress"]) == ("processing", 1, 5.0)
    lambda_stack.server.data('mutation ($id: ID!) { cancelJob(id: $id) { id } }', {"id": jid})


def test_a_killed_handler_is_retried_then_failed_by_the_reconciler(lambda_stack, sources):
    from moto.stepfunctions.models import stepfunctions_backends

    created = create(lambda_stack, sources["long.mp4"],
                     presetId=presets(lambda_stack)["h265-1080p"])
    first = lambda_stack.start_handler(lambda_stack.execution_input(created["executionArn"]))
    wait(lambda_stack, created["id"], lambda j: j["status"] == "processing")
    encoding_by = time.monotonic() + 10  # mid-encode: its ffmpeg runs (not being started)
    while not ffmpeg_pids(str(first.data_dir)) and time.monotonic() < encoding_by:
        time.sleep(0.05)
    first.process.kill()  # SIGKILL: no callback, ever
    first.process.wait()
    gone_by = time.monotonic() + 1
    while ffmpeg_pids(str(first.data_dir)) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert not ffmpeg_pids(str(first.data_dir)), "the killed handler's ffmpeg lives on"

    # callbacks stopped: after the heartbeat timeout (6 s) the execution is stopped, retried
    retried = wait(lambda_stack, created["id"], lambda j: j["status"] == "pending" and j[
        "executionArn"] not in (None, created["executionArn"]), timeout=20)
    assert lambda_stack.status_of(created["executionArn"]) == "ABORTED"
    assert "no callback" in (retried["errorMessage"] or "")

    second = lambda_stack.start_handler(lambda_stack.execution_input(retried["executionArn"]))
    wait(lambda_stack, created["id"], lambda j: j["status"] == "processing")
    second.process.kill()
    second.process.wait()
    # Step Functions marks the execution failed (the Lambda died): moto's record of it
    backend = stepfunctions_backends["123456789012"]["us-east-1"]
    execution = backend.describe_execution(retried["executionArn"])
    execution.stop_date = datetime.now(UTC).isoformat()
    execution.status, execution.error = "FAILED", "Runtime.ExitError"
    execution.cause = "RequestId: x Error: Runtime exited with error: signal: killed"

    failed = wait(lambda_stack, created["id"], lambda j: j["status"] == "failed", timeout=10)
    assert "Runtime.ExitError" in failed["errorMessage"]
    assert "signal: killed" in failed["errorMessage"]
    assert failed["attempts"] == 2
    assert created["outputPath"] not in lambda_stack.server.buckets.output_keys()
