"""End to end over HTTP: scan, encode, cut, cancel and retry on a real `mpr serve`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from mpr import __version__
from mpr.domain.builtin_presets import BUILTIN_NAMES
from tests.integration.media import (
    fits_box,
    make_clip,
    probe,
    write_corrupt,
    write_empty,
)
from tests.integration.server_fixtures import MprServer, ffmpeg_pids, parent_of

# The seed documents of SPEC section 5, verbatim; fill() puts ids in place of "...".
SEED_ASSETS_READY = 'query { assets(status: "ready") { id filename duration } }'
SEED_JOBS_PROCESSING = 'query { jobs(status: "processing") { id status progress } }'
SEED_PRESETS = "query { presets { id name container videoCodec } }"
SEED_SYSTEM_STATUS = "query { systemStatus { status version } }"
SEED_SCAN = "mutation { scanMediaFolder { found registered skipped } }"
SEED_CREATE_JOB = 'mutation { createJob(input: { sourceAssetId: "...", presetId: "..." }) ' \
                  "{ id status } }"
SEED_CANCEL_JOB = 'mutation { cancelJob(id: "...") { id status } }'
SEED_RETRY_JOB = 'mutation { retryJob(id: "...") { id status } }'

CREATE_JOB = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id status } }"
ASSETS = """query ($status: String, $location: String) {
  assets(status: $status, location: $location, limit: 500) {
    id filename filePath location status errorMessage duration width height
  }
}"""
ASSET = "query ($id: ID!) { asset(id: $id) { id filePath location status fileSize } }"

SOURCE_SIZE = (960, 540)
HOSTILE_KEYS = ("-starts with a dash.mp4", "name with  spaces.mp4", "café 日本.mp4",
                "a+b take #2.mp4", "sub folder/nested clip.mp4")
GOOD_KEYS = ("clip.mp4", "tone.mp3", "long.mp4", *HOSTILE_KEYS)
BAD_KEYS = ("empty.mp4", "corrupt.mp4")
# An embedded worker may claim a job before createJob/retryJob returns it.
LONG_SECONDS = 12  # h265-1080p on it runs long enough to cancel, yet completes on retry


def fill(document: str, *values: str) -> str:
    """The document with each "..." replaced, in order, by a value."""
    for value in values:
        document = document.replace('"..."', f'"{value}"', 1)
    return document


def digest(data: bytes | None) -> str:
    assert data is not None, "the source is gone from the input store"
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Library:
    """The input store as scanned: the scan's counts and the assets by key."""

    scan: dict[str, int]
    assets: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Clips generated once per module, by input-store key."""
    root = tmp_path_factory.mktemp("e2e-sources")
    short = make_clip(root / "short.mp4", duration=2, width=320, height=240)
    files = {
        "clip.mp4": make_clip(root / "clip.mp4", duration=6, width=SOURCE_SIZE[0],
                              height=SOURCE_SIZE[1]),
        "tone.mp3": make_clip(root / "tone.mp3", duration=4, video=False),
        "long.mp4": make_clip(root / "long.mp4", duration=LONG_SECONDS, fps=30),
        "empty.mp4": write_empty(root / "empty.mp4"),
        "corrupt.mp4": write_corrupt(root / "corrupt.mp4"),
        "notes.txt": root / "notes.txt",
    }
    files["notes.txt"].write_text("not media\n")
    return {**files, **dict.fromkeys(HOSTILE_KEYS, short)}


@pytest.fixture(scope="module")
def library(mpr_server: MprServer, sources: dict[str, Path]) -> Library:
    """Every source put in the input store, then one seed scan."""
    for key, path in sources.items():
        mpr_server.put_input(key, path)
    scan = mpr_server.data(SEED_SCAN)["scanMediaFolder"]
    assets = mpr_server.data(ASSETS, {"location": "input"})["assets"]
    return Library(scan, {a["filePath"]: a for a in assets})


def create_job(server: MprServer, source: dict[str, Any], **fields: Any) -> str:
    job = server.data(CREATE_JOB, {"input": {"sourceAssetId": source["id"], **fields}})
    assert job["createJob"]["status"] == "pending"
    return str(job["createJob"]["id"])


def completed_output(server: MprServer, job_id: str, timeout: float = 60) -> Path:
    """Wait for the job; check its output asset is registered; the output's local path."""
    job = server.wait_for_job(job_id, timeout=timeout)
    asset = server.data(ASSET, {"id": job["outputAssetId"]})["asset"]
    assert (asset["location"], asset["status"], asset["filePath"]) == (
        "output", "ready", job["outputPath"])
    output = server.output_file(job["outputPath"])
    assert output.is_file()
    assert asset["fileSize"] == output.stat().st_size
    return output


def test_scan_registers_media_files_and_ignores_the_rest(mpr_server: MprServer,
                                                         library: Library) -> None:
    media = len(GOOD_KEYS) + len(BAD_KEYS)

    rescan = mpr_server.data(SEED_SCAN)["scanMediaFolder"]

    assert library.scan == {"found": media, "registered": media, "skipped": 0}
    assert rescan == {"found": media, "registered": 0, "skipped": media}
    assert set(library.assets) == {*GOOD_KEYS, *BAD_KEYS}


def test_ready_assets_are_listed_by_the_seed_query(mpr_server: MprServer,
                                                   library: Library) -> None:
    ready = mpr_server.data(SEED_ASSETS_READY)["assets"]

    by_id = {a["id"]: a for a in ready}
    expected = {library.assets[key]["id"]: key for key in GOOD_KEYS}
    assert set(by_id) == set(expected)
    assert by_id[library.assets["clip.mp4"]["id"]]["duration"] == pytest.approx(6, abs=0.1)
    assert by_id[library.assets["long.mp4"]["id"]]["filename"] == "long.mp4"


def test_empty_and_corrupt_files_are_in_error_with_the_probers_message(
        mpr_server: MprServer, library: Library) -> None:
    errored = mpr_server.data(ASSETS, {"status": "error"})["assets"]

    messages = {a["filePath"]: a["errorMessage"] for a in errored}
    assert set(messages) == set(BAD_KEYS)
    assert messages["empty.mp4"] == "empty file (0 bytes)"
    assert messages["corrupt.mp4"].startswith("Invalid data found when processing input")
    for message in messages.values():
        assert str(mpr_server.data_dir) not in message
        assert "Traceback" not in message


def test_full_encode_fits_the_preset_box_without_upscaling(mpr_server: MprServer,
                                                          library: Library) -> None:
    source, preset = library.assets["clip.mp4"], mpr_server.preset_ids()["h264-480p"]

    created = mpr_server.data(fill(SEED_CREATE_JOB, source["id"], preset))["createJob"]

    assert created["status"] == "pending"
    output = probe(completed_output(mpr_server, created["id"]))
    assert (output.video_codec, output.audio_codec) == ("h264", "aac")
    assert output.width is not None
    assert output.height is not None
    assert fits_box(output.width, output.height, (854, 480), SOURCE_SIZE)
    assert output.height == 480
    assert output.duration == pytest.approx(6, abs=0.15)


def test_trimmed_encode_lasts_the_segment(mpr_server: MprServer, library: Library) -> None:
    preset = mpr_server.preset_ids()["h264-720p"]

    job_id = create_job(mpr_server, library.assets["clip.mp4"], presetId=preset,
                        trimStart=0.5, trimEnd=2.5)

    output = probe(completed_output(mpr_server, job_id))
    assert output.duration == pytest.approx(2.0, abs=0.15)
    assert (output.width, output.height) == SOURCE_SIZE  # fits 1280x720: never upscaled


def test_cut_without_a_preset_copies_the_streams(mpr_server: MprServer,
                                                 library: Library) -> None:
    source = library.assets["clip.mp4"]

    job_id = create_job(mpr_server, source, trimEnd=3.0)

    output = probe(completed_output(mpr_server, job_id))
    assert (output.video_codec, output.audio_codec) == ("h264", "aac")
    assert (output.width, output.height) == SOURCE_SIZE
    assert output.duration == pytest.approx(3.0, abs=0.3)


def test_audio_source_encodes_to_an_audio_preset(mpr_server: MprServer,
                                                 library: Library) -> None:
    preset = mpr_server.preset_ids()["aac-audio"]

    job_id = create_job(mpr_server, library.assets["tone.mp3"], presetId=preset)

    output_path = completed_output(mpr_server, job_id)
    output = probe(output_path)
    assert output_path.suffix == ".m4a"
    assert (output.video_codec, output.audio_codec) == (None, "aac")
    assert output.duration == pytest.approx(4, abs=0.15)


def test_hostile_file_names_work_end_to_end(mpr_server: MprServer, library: Library) -> None:
    preset = mpr_server.preset_ids()["h264-480p"]
    before = {key: digest(mpr_server.input_bytes(key)) for key in HOSTILE_KEYS}

    jobs = {key: create_job(mpr_server, library.assets[key], presetId=preset)
            for key in HOSTILE_KEYS}

    for key, job_id in jobs.items():
        output_path = completed_output(mpr_server, job_id)
        folder, _, name = key.rpartition("/")
        stem = name.rsplit(".", 1)[0]
        assert output_path.parent == mpr_server.media_out / folder
        assert output_path.name.startswith(f"{stem}_h264-480p_")
        output = probe(output_path)
        assert (output.width, output.height, output.video_codec) == (320, 240, "h264")
        assert digest(mpr_server.input_bytes(key)) == before[key]  # the source is untouched


@pytest.fixture(scope="module")
def running_long_job(mpr_server: MprServer, library: Library) -> str:
    """A long h265 encode, processing and past its first progress report."""
    preset = mpr_server.preset_ids()["h265-1080p"]
    job_id = create_job(mpr_server, library.assets["long.mp4"], presetId=preset)
    mpr_server.wait_for_job(job_id, "processing", timeout=30, min_progress=0)
    return job_id


def test_cancel_stops_ffmpeg_promptly_and_leaves_no_output(mpr_server: MprServer,
                                                           running_long_job: str) -> None:
    job_id = running_long_job
    processing = mpr_server.data(SEED_JOBS_PROCESSING)["jobs"]
    encoders = ffmpeg_pids(job_id)
    assert [j["id"] for j in processing] == [job_id]
    assert processing[0]["progress"] > 0
    assert len(encoders) == 1, f"expected one ffmpeg for job {job_id}, found {encoders}"
    assert parent_of(encoders[0]) == mpr_server.pid

    cancelled = mpr_server.data(fill(SEED_CANCEL_JOB, job_id))["cancelJob"]

    assert cancelled == {"id": job_id, "status": "cancelled"}
    assert _gone_within(job_id, seconds=2.0)
    assert mpr_server.job(job_id)["status"] == "cancelled"
    output = mpr_server.output_file(mpr_server.job(job_id)["outputPath"])
    leftovers = [p for p in mpr_server.output_files() if job_id in p.name or p == output]
    assert leftovers == []


def test_retry_after_cancel_runs_the_job_to_completion(mpr_server: MprServer,
                                                       running_long_job: str) -> None:
    job_id = running_long_job
    if mpr_server.job(job_id)["status"] != "cancelled":
        mpr_server.data(fill(SEED_CANCEL_JOB, job_id))

    retried = mpr_server.data(fill(SEED_RETRY_JOB, job_id))["retryJob"]

    assert retried["id"] == job_id
    assert retried["status"] == "pending"
    output = probe(completed_output(mpr_server, job_id, timeout=120))
    assert (output.video_codec, output.width, output.height) == ("hevc", 640, 360)
    assert output.duration == pytest.approx(LONG_SECONDS, abs=0.15)


def test_presets_and_system_status_answer_the_seed_queries(mpr_server: MprServer) -> None:
    presets = mpr_server.data(SEED_PRESETS)["presets"]
    status = mpr_server.data(SEED_SYSTEM_STATUS)["systemStatus"]

    by_name = {p["name"]: p for p in presets}
    assert set(by_name) >= BUILTIN_NAMES
    assert (by_name["h264-720p"]["container"], by_name["h264-720p"]["videoCodec"]) == (
        "mp4", "libx264")
    assert status == {"status": "ok", "version": __version__}


def _gone_within(job_id: str, seconds: float) -> bool:
    """No ffmpeg runs for the job any more, within the given time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not ffmpeg_pids(job_id):
            return True
        time.sleep(0.05)
    return False


# -- the jobUpdates subscription over graphql-transport-ws --

UPDATES = "subscription ($id: ID!) { jobUpdates(id: $id) { id status progress } }"


async def subscribe(server: MprServer, job_id: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Every message of one subscription, from `subscribe` to `complete` (or an error)."""
    url = server.base_url.replace("http://", "ws://") + "/graphql"
    messages: list[dict[str, Any]] = []
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": server.token}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": UPDATES, "variables": {"id": job_id}}}))
        async with asyncio.timeout(timeout):
            while (message := json.loads(await ws.recv()))["type"] not in ("complete", "error"):
                messages.append(message)
        messages.append(message)
    return messages


def test_subscribers_follow_a_job_to_its_end(mpr_server: MprServer, library: Library) -> None:
    preset = mpr_server.preset_ids()["h264-720p"]
    job_id = create_job(mpr_server, library.assets["long.mp4"], presetId=preset,
                        trimStart=0, trimEnd=8)

    async def three() -> list[list[dict[str, Any]]]:
        return list(await asyncio.gather(*(subscribe(mpr_server, job_id) for _ in range(3))))

    streams = asyncio.run(three())

    for stream in streams:
        assert stream[-1]["type"] == "complete"
        updates = [m["payload"]["data"]["jobUpdates"] for m in stream[:-1]]
        assert {u["id"] for u in updates} == {job_id}
        assert updates[-1]["status"] == "completed"
        assert updates[-1]["progress"] == 100
        progress = [u["progress"] for u in updates]
        assert progress == sorted(progress)
        assert len(updates) == len({(u["status"], u["progress"]) for u in updates})  # no repeats


def test_a_subscription_to_an_unknown_job_ends_with_not_found(mpr_server: MprServer) -> None:
    missing = "6f1c1b8e-0000-4000-8000-000000000000"

    stream = asyncio.run(subscribe(mpr_server, missing, timeout=10))

    assert stream[0]["type"] in ("next", "error")
    payload = stream[0]["payload"]
    errors = payload["errors"] if isinstance(payload, dict) else payload
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert missing in errors[0]["message"]
