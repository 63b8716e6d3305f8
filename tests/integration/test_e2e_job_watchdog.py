"""Issue 11 item 4 (the watchdog) over HTTP: a stalled or endless encode fails and frees its slot.

MPR_FFMPEG points to a wrapper that runs the real ffmpeg, except for sources named *stall*
(it stops ffmpeg with SIGSTOP after its first progress block, as a dead NFS mount or a
blocked pipe would) and *slow* (it reads the input at its native rate with -re, so the
encode advances steadily but lasts longer than MPR_JOB_TIMEOUT). One worker slot: a job
queued behind the stopped one must still run."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.health_watch import health_kept
from tests.integration.media import FFMPEG, make_clip
from tests.integration.server_fixtures import SERVER_BACKENDS, MprServer, ffmpeg_pids

pytestmark = pytest.mark.parametrize(
    "mpr_server", [b for b in SERVER_BACKENDS if b.name == "sqlite"], indirect=True,
    ids=lambda b: b.name)

STALL_TIMEOUT = 3
JOB_TIMEOUT = 8
CREATE_JOB = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }"
JOB = "query ($id: ID!) { job(id: $id) { id status progress errorMessage outputPath } }"
WRAPPER = """#!{python}
import os, signal, subprocess, sys

REAL = {ffmpeg!r}
args = sys.argv[1:]
# MPR hands ffmpeg the opened source as file:/dev/fd/N; the file's name tells what to do
source = next((os.path.realpath(a[5:]) for a in args if a.startswith("file:/dev/fd/")), "")
if "slow" in source:
    args.insert(args.index("-i"), "-re")
if "stall" not in source:
    os.execvp(REAL, [REAL, *args])
child = subprocess.Popen([REAL, *args], stdout=subprocess.PIPE, close_fds=False)
for line in child.stdout:
    sys.stdout.buffer.write(line)
    sys.stdout.flush()
    if line.startswith(b"progress="):
        os.kill(child.pid, signal.SIGSTOP)
        break
child.wait()
"""


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    wrapper = tmp_path_factory.mktemp("watchdog") / "ffmpeg-wrapper"
    real = shutil.which(FFMPEG) or FFMPEG
    wrapper.write_text(WRAPPER.format(python=sys.executable, ffmpeg=real))
    wrapper.chmod(0o755)
    return {"MPR_FFMPEG": str(wrapper), "MPR_WORKER_CONCURRENCY": "1",
            "MPR_JOB_STALL_TIMEOUT": str(STALL_TIMEOUT), "MPR_JOB_TIMEOUT": str(JOB_TIMEOUT)}


@pytest.fixture(scope="module")
def assets(mpr_server: MprServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Asset ids by key: a clip that stalls, one slower than the job timeout, a normal one."""
    root = tmp_path_factory.mktemp("watchdog-sources")
    clip = make_clip(root / "clip.mp4", duration=3 * JOB_TIMEOUT, width=320, height=240)
    for key in ("stall.mp4", "slow.mp4", "normal.mp4"):
        mpr_server.put_input(key, clip)
    mpr_server.data("mutation { scanMediaFolder { registered } }")
    found = mpr_server.data('query { assets(location: "input") { id filePath status } }')
    assert all(a["status"] == "ready" for a in found["assets"]), found
    return {a["filePath"]: a["id"] for a in found["assets"]}


def create(server: MprServer, asset_id: str, **extra: Any) -> str:
    job_id: str = server.data(CREATE_JOB, {"input": {"sourceAssetId": asset_id,
                                                     **extra}})["createJob"]["id"]
    return job_id


def wait_ended(server: MprServer, job_id: str, timeout: float) -> tuple[dict[str, Any], float]:
    """The job once it ended, and how long that took from now."""
    started = time.monotonic()
    while True:
        job: dict[str, Any] = server.data(JOB, {"id": job_id})["job"]
        elapsed = time.monotonic() - started
        if job["status"] not in ("pending", "processing"):
            return job, elapsed
        assert elapsed < timeout, f"job still {job['status']} after {timeout} s: {job}"
        time.sleep(0.1)


def no_ffmpeg_left(server: MprServer, within: float = 5) -> bool:
    """True once no ffmpeg of this server runs (a stopped one needs a moment to exit)."""
    deadline = time.monotonic() + within
    while ffmpeg_pids(str(server.data_dir)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def assert_only_the_completed_output_was_added(server: MprServer, before: set[Path],
                                               failed: dict[str, Any],
                                               completed: dict[str, Any]) -> None:
    """The failed job left no output and no staging file; the queued job's output is there."""
    added = set(server.output_files()) - before
    assert added == {server.output_file(completed["outputPath"])}, added
    assert not server.output_file(failed["outputPath"]).exists()


def test_a_stalled_encode_fails_after_the_stall_timeout_and_frees_the_slot(
        mpr_server: MprServer, assets: dict[str, str]) -> None:
    before = set(mpr_server.output_files())

    with health_kept(mpr_server.base_url):
        stalled = create(mpr_server, assets["stall.mp4"])
        queued = create(mpr_server, assets["normal.mp4"], trimEnd=1.0)
        job, took = wait_ended(mpr_server, stalled, timeout=30)
        assert mpr_server.job(queued)["status"] in ("pending", "processing")
        after, _ = wait_ended(mpr_server, queued, timeout=30)

    assert job["status"] == "failed", job
    assert job["errorMessage"] == f"ffmpeg made no progress for {STALL_TIMEOUT} s; stopped"
    assert STALL_TIMEOUT <= took < STALL_TIMEOUT + 10
    assert after["status"] == "completed", after
    assert_only_the_completed_output_was_added(mpr_server, before, job, after)
    assert no_ffmpeg_left(mpr_server), "the stopped ffmpeg is still running"


def test_an_encode_past_the_job_timeout_fails_and_frees_the_slot(
        mpr_server: MprServer, assets: dict[str, str]) -> None:
    before = set(mpr_server.output_files())

    with health_kept(mpr_server.base_url):
        endless = create(mpr_server, assets["slow.mp4"])
        queued = create(mpr_server, assets["normal.mp4"], trimEnd=1.0)
        job, took = wait_ended(mpr_server, endless, timeout=40)
        after, _ = wait_ended(mpr_server, queued, timeout=30)

    assert job["status"] == "failed", job
    assert job["errorMessage"] == f"the job ran past MPR_JOB_TIMEOUT ({JOB_TIMEOUT} s); stopped"
    assert job["progress"] > 0  # it did advance: the stall timeout was not what stopped it
    assert JOB_TIMEOUT <= took < JOB_TIMEOUT + 15
    assert after["status"] == "completed", after
    assert_only_the_completed_output_was_added(mpr_server, before, job, after)
    assert no_ffmpeg_left(mpr_server), "the stopped ffmpeg is still running"
