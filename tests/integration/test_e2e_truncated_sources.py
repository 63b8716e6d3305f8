"""Issue 11 item 15 over HTTP: a truncated source never yields a "completed" broken result.

The scan marks a cut-off MP4 `error`; a source cut off after it was scanned fails its job with
what happened and leaves no output; a damaged but complete source completes and the job keeps
ffmpeg's decode warnings. On the filesystem store and on S3 (moto's server)."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest

from mpr.adapters.ffmpeg.samples import make_test_clip
from tests.integration.health_watch import health_kept
from tests.integration.media import FFMPEG, probe, run_async
from tests.integration.server_fixtures import SERVER_BACKENDS, MprServer

pytestmark = pytest.mark.parametrize(
    "mpr_server", [b for b in SERVER_BACKENDS if b.name in ("sqlite", "s3")],
    indirect=True, ids=lambda b: b.name)

SECONDS = 10.0
KEPT_BYTES = 400_000
CREATE_JOB = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }"
SCAN = "mutation { scanMediaFolder { registered } }"
ASSETS = 'query { assets(location: "input") { id filePath status errorMessage duration } }'
JOB = """query ($id: ID!) { job(id: $id) { id status progress errorMessage warnings outputPath
  outputAssetId } }"""


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10 s H.264/AAC MP4 with its index up front, as cameras and web exports write it."""
    path = tmp_path_factory.mktemp("truncated") / "clip.mp4"
    return run_async(make_test_clip(
        FFMPEG, path, duration=SECONDS, width=640, height=360,
        codec_args=["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                    "-movflags", "+faststart"]))


def cut_off(clip: Path, name: str) -> Path:
    """The first KEPT_BYTES of the clip: a download or copy that stopped early."""
    path = clip.with_name(name)
    path.write_bytes(clip.read_bytes()[:KEPT_BYTES])
    return path


def damaged(clip: Path, name: str) -> Path:
    """The clip with 64 KB of garbage in the middle of its media data: complete but corrupt."""
    data = bytearray(clip.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 65536] = random.Random(15).randbytes(65536)
    path = clip.with_name(name)
    path.write_bytes(bytes(data))
    return path


def scanned(server: MprServer) -> dict[str, dict[str, Any]]:
    server.data(SCAN)
    return {a["filePath"]: a for a in server.data(ASSETS)["assets"]}


@pytest.fixture(scope="module")
def quick_preset(mpr_server: MprServer) -> str:
    """A cheap H.264 re-encode, so the encode does not starve the server on a busy machine."""
    fields = {"name": "quick", "container": "mp4", "videoCodec": "libx264",
              "videoPreset": "ultrafast", "resolution": "320x180", "audioCodec": "aac"}
    created = mpr_server.data(
        "mutation ($input: PresetInput!) { createPreset(input: $input) { id } }",
        {"input": fields})
    preset: str = created["createPreset"]["id"]
    return preset


def wait_ended(server: MprServer, job_id: str, timeout: float = 60) -> dict[str, Any]:
    """The job once it is no longer pending or processing (or as it is at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = server.data(JOB, {"id": job_id})["job"]
        if job["status"] not in ("pending", "processing") or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def assert_no_path(text: str, server: MprServer) -> None:
    assert str(server.data_dir) not in text
    assert "/tmp" not in text
    assert "file:" not in text


def test_the_scan_marks_a_truncated_mp4_as_an_error(mpr_server: MprServer, clip: Path) -> None:
    mpr_server.put_input("cut-at-scan.mp4", cut_off(clip, "cut-at-scan.mp4"))

    with health_kept(mpr_server.base_url):
        asset = scanned(mpr_server)["cut-at-scan.mp4"]

    assert asset["status"] == "error"
    assert asset["errorMessage"].startswith("the file appears truncated: media data ends at ")
    assert asset["errorMessage"].endswith(f" s of {SECONDS:.1f} s")
    assert_no_path(asset["errorMessage"], mpr_server)
    refused = mpr_server.error(CREATE_JOB, {"input": {"sourceAssetId": asset["id"]}})
    assert refused["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_source_cut_off_after_its_scan_fails_its_job_and_leaves_nothing(
        mpr_server: MprServer, clip: Path, quick_preset: str) -> None:
    mpr_server.put_input("cut-later.mp4", clip)
    asset = scanned(mpr_server)["cut-later.mp4"]
    assert (asset["status"], asset["duration"]) == ("ready", pytest.approx(SECONDS, abs=0.1))
    mpr_server.put_input("cut-later.mp4", cut_off(clip, "cut-later.mp4"))
    outputs_before = mpr_server.output_files()

    with health_kept(mpr_server.base_url):
        created = mpr_server.data(CREATE_JOB, {"input": {"sourceAssetId": asset["id"],
                                                         "presetId": quick_preset}})
        job = wait_ended(mpr_server, created["createJob"]["id"])

    assert job["status"] == "failed", job
    message = job["errorMessage"]
    assert message.startswith("output lasts "), message
    assert f", {SECONDS:.2f} s expected: the source appears truncated near " in message
    assert job["outputAssetId"] is None
    assert job["warnings"], "the decode errors that explain the short output are kept"
    for text in (message, *job["warnings"]):
        assert_no_path(text, mpr_server)
    assert mpr_server.output_files() == outputs_before  # no output object, nothing in staging
    outputs = mpr_server.data('query { assets(location: "output") { filePath } }')["assets"]
    assert job["outputPath"] not in [a["filePath"] for a in outputs]


def test_a_damaged_source_completes_and_its_job_keeps_the_decode_warnings(
        mpr_server: MprServer, clip: Path, quick_preset: str) -> None:
    mpr_server.put_input("damaged.mp4", damaged(clip, "damaged.mp4"))
    asset = scanned(mpr_server)["damaged.mp4"]
    assert asset["status"] == "ready"

    with health_kept(mpr_server.base_url):
        created = mpr_server.data(CREATE_JOB, {"input": {"sourceAssetId": asset["id"],
                                                         "presetId": quick_preset}})
        job = wait_ended(mpr_server, created["createJob"]["id"])

    assert job["status"] == "completed", job
    warnings = job["warnings"]
    assert warnings, job
    assert any("Invalid" in w or "error" in w.lower() for w in warnings), warnings
    assert len(warnings) == len(set(warnings)) <= 20
    for warning in warnings:
        assert_no_path(warning, mpr_server)
    output = probe(mpr_server.output_file(job["outputPath"]))
    assert output.duration == pytest.approx(SECONDS, abs=0.5)
