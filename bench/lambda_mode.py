"""Lambda mode against local mode on S3: a job's end-to-end time, and the handler's cold start.

Starts moto's server (S3 + Step Functions) and two real `mpr serve` processes on it: one with
MPR_EXECUTOR=lambda (the state machine of deploy/aws; the handler is run as its own process
on each execution's input, as Lambda would start it: a cold start every time), one on the
embedded default with MPR_STORAGE=s3 (in-process worker). Runs alternate; each is timed from
`createJob` to `completed` by the client, and by the job's own createdAt -> completedAt.
The cold start is the time to import `mpr.entrypoints.lambda_handler` and build its
services, in a fresh interpreter each time.

    .venv/bin/python bench/lambda_mode.py [--runs 5] [--preset h264-480p] [--seconds 10]"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout: the tests' helpers
from tests.integration.lambda_fixtures import ROLE_ARN, definition, sfn_client  # noqa: E402
from tests.integration.media import make_clip  # noqa: E402
from tests.integration.s3_fixtures import CREDENTIALS, REGION  # noqa: E402
from tests.integration.server_fixtures import MprServer, free_port, running_server  # noqa: E402

CREATE = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }"
JOB = "query ($id: ID!) { job(id: $id) { status executionArn createdAt completedAt } }"
COLD = ("import time; c = time.process_time(); t = time.perf_counter(); "
        "import mpr.entrypoints.lambda_handler as h; i = time.perf_counter(); h.runtime(); "
        "b = time.perf_counter(); print(f'{i - t:.4f} {b - i:.4f} {time.process_time() - c:.4f}')")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--preset", default="h264-480p")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    try:
        bench(f"http://{host}:{port}", args)
    finally:
        moto.stop()


def bench(endpoint: str, args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mpr-bench-lambda-"))
    s3 = boto3.session.Session(aws_access_key_id="testing",
                               aws_secret_access_key="testing",  # noqa: S106 - moto only
                               region_name=REGION).client("s3", endpoint_url=endpoint)
    buckets = [f"bench-{n}-{secrets.token_hex(4)}" for n in range(4)]
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)
    clip = make_clip(tmp / "source.mp4", duration=args.seconds, width=1280, height=720)
    for bucket in buckets[::2]:
        s3.upload_file(str(clip), bucket, "source.mp4")
    sfn = sfn_client(endpoint)
    arn = sfn.create_state_machine(name=f"bench-{secrets.token_hex(4)}",
                                   definition=definition(), roleArn=ROLE_ARN)["stateMachineArn"]
    api_port, secret = free_port(), secrets.token_hex(32)
    s3_env = {**CREDENTIALS, "MPR_STORAGE": "s3", "MPR_S3_ENDPOINT_URL": endpoint,
              "MPR_SAMPLES": "false"}
    lam = {**s3_env, "MPR_S3_BUCKET_IN": buckets[0], "MPR_S3_BUCKET_OUT": buckets[1],
           "MPR_CALLBACK_URL": f"http://127.0.0.1:{api_port}", "MPR_CALLBACK_SECRET": secret}
    local = {**s3_env, "MPR_S3_BUCKET_IN": buckets[2], "MPR_S3_BUCKET_OUT": buckets[3],
             "MPR_WORKER_CONCURRENCY": "1"}
    handler_env = {**{k: v for k, v in os.environ.items() if not k.startswith(("MPR_", "AWS_"))},
                   **lam, "MPR_DATA_DIR": str(tmp / "lambda"), "MPR_LOG_LEVEL": "WARNING",
                   "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    print(f"cold start (import + build), 5 fresh interpreters: {cold_starts(handler_env)}")
    server_env = {**lam, "MPR_EXECUTOR": "lambda", "MPR_SFN_STATE_MACHINE_ARN": arn,
                  "AWS_ENDPOINT_URL_SFN": endpoint}
    with running_server("lambda", tmp / "api-lambda", server_env, port=api_port) as lserver, \
            running_server("local", tmp / "api-local", local) as rserver:
        sources = {name: source_of(s) for name, s in (("lambda", lserver), ("local", rserver))}
        times: dict[str, list[tuple[float, float]]] = {"lambda": [], "local": []}
        for _ in range(args.runs):
            times["lambda"].append(run_lambda(lserver, sfn, sources["lambda"], args.preset,
                                              handler_env))
            times["local"].append(run_local(rserver, sources["local"], args.preset))
    report(times, args)


def cold_starts(env: dict[str, str]) -> str:
    rows = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", COLD], env=env, capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout.split()
        rows.append((float(out[0]), float(out[1]), float(out[2])))
    imports, builds = [r[0] for r in rows], [r[1] for r in rows]
    return (f"import median {statistics.median(imports):.3f} s (min {min(imports):.3f}), "
            f"build median {statistics.median(builds):.3f} s, total median "
            f"{statistics.median(r[0] + r[1] for r in rows):.3f} s; CPU time (what a quiet "
            f"host's wall time comes to) median {statistics.median(r[2] for r in rows):.3f} s")


def source_of(server: MprServer) -> str:
    server.data("mutation { scanMediaFolder { registered } }")
    assets = server.data('query { assets(location: "input") { id filePath } }')["assets"]
    return str(next(a["id"] for a in assets if a["filePath"] == "source.mp4"))


def create(server: MprServer, source: str, preset: str) -> str:
    presets = server.preset_ids()
    made = server.data(CREATE, {"input": {"sourceAssetId": source, "presetId": presets[preset]}})
    return str(made["createJob"]["id"])


def run_lambda(server: MprServer, sfn: Any, source: str, preset: str, env: dict[str, str]
               ) -> tuple[float, float]:
    started = time.monotonic()
    job_id = create(server, source, preset)
    arn = server.data(JOB, {"id": job_id})["job"]["executionArn"]
    event = sfn.describe_execution(executionArn=arn)["input"]
    subprocess.run([sys.executable, "-m", "tests.integration.lambda_process", "900"],
                   input=event, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return finished(server, job_id, started)


def run_local(server: MprServer, source: str, preset: str) -> tuple[float, float]:
    started = time.monotonic()
    return finished(server, create(server, source, preset), started)


def finished(server: MprServer, job_id: str, started: float) -> tuple[float, float]:
    while (job := server.data(JOB, {"id": job_id})["job"])["status"] != "completed":
        assert job["status"] in ("pending", "processing"), job
        time.sleep(0.05)
    wall = time.monotonic() - started
    own = (datetime.fromisoformat(job["completedAt"])
           - datetime.fromisoformat(job["createdAt"])).total_seconds()
    return wall, own


def report(times: dict[str, list[tuple[float, float]]], args: argparse.Namespace) -> None:
    print(f"{args.runs} runs each, {args.preset} on a {args.seconds:.0f} s 1280x720 clip, "
          f"load {os.getloadavg()[0]:.2f}")
    medians = {}
    for mode, rows in times.items():
        walls, owns = [w for w, _ in rows], [o for _, o in rows]
        medians[mode] = (statistics.median(walls), statistics.median(owns))
        print(f"  {mode:6}  client wall {' '.join(f'{w:.2f}' for w in walls)}  "
              f"median {medians[mode][0]:.2f} s; job createdAt->completedAt median "
              f"{medians[mode][1]:.2f} s")
    print(f"  lambda / local: wall {medians['lambda'][0] / medians['local'][0]:.2f}, "
          f"job {medians['lambda'][1] / medians['local'][1]:.2f}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
