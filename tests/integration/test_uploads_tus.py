"""tus uploads against a running server: a real client (tuspy), a cut connection, limits,
clean-up, access, hostile headers. The 300 MB test runs on the filesystem and on S3 (moto)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tusclient.client import TusClient

from tests.integration.media import make_clip, write_noise_wav
from tests.integration.server_fixtures import MprServer, running_server
from tests.integration.tus_helpers import (
    TUS,
    MiB,
    asset,
    auth,
    create,
    cut_patch,
    head,
    input_keys,
    metadata,
    patch,
    paused_patch,
    settled_offset,
    sha256_of,
    staged_files,
    stored_sha256,
    token_for,
    upload_whole,
)

MAX_BYTES = 400 * 1000 * 1000
BIG_SECONDS = 1600  # of 48 kHz stereo 16-bit PCM: 307 MB


@pytest.fixture(scope="module")
def big_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300 MB media file made here (never committed): 16-bit stereo noise in WAV."""
    return write_noise_wav(tmp_path_factory.mktemp("big") / "big.wav", BIG_SECONDS)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", duration=2)


@pytest.fixture(scope="module", params=["filesystem", "s3"])
def upload_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[MprServer]:
    env = {"MPR_SAMPLES": "false", "MPR_UPLOAD_MAX_BYTES": str(MAX_BYTES)}
    if request.param == "s3":
        env.update(request.getfixturevalue("s3_server_env"))
    with running_server(request.param, tmp_path_factory.mktemp(f"up-{request.param}"),
                        env) as server:
        yield server


@pytest.fixture(scope="module")
def fs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    env = {"MPR_SAMPLES": "false", "MPR_UPLOAD_MAX_BYTES": str(MAX_BYTES)}
    with running_server("fs", tmp_path_factory.mktemp("up-fs"), env) as server:
        yield server


@pytest.fixture(scope="module")
def expiring_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    env = {"MPR_SAMPLES": "false", "MPR_UPLOAD_EXPIRY": "2"}
    with running_server("fs-expiring", tmp_path_factory.mktemp("up-exp"), env) as server:
        yield server


def tus_client(server: MprServer, token: str | None = None) -> TusClient:
    return TusClient(f"{server.base_url}/api/uploads/",
                     headers={"Authorization": f"Bearer {token or server.token}"})


def ffprobe_waits(server: MprServer) -> list[str]:
    """Where the server's live ffprobe children wait in the kernel (/proc/PID/wchan)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            argv0 = (entry / "cmdline").read_bytes().split(b"\0")[0]
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            if os.path.basename(argv0) == b"ffprobe" and int(ppid) == server.pid:
                found.append((entry / "wchan").read_text() if state != "Z" else "exited")
    return found


def test_the_final_patch_starts_ffprobe_before_its_last_byte_and_it_reads_the_whole_file(
        upload_server: MprServer, tmp_path: Path) -> None:
    """ffprobe's start (~70 ms here) overlaps the body: its open of the staged file waits
    on MPR's write lease. The clip's index is at its end, so an ffprobe reading the file
    early would refuse it."""
    data = make_clip(tmp_path / "index-last.mp4", duration=3).read_bytes()
    assert data.find(b"moov") > data.find(b"mdat") > 0
    url = create(upload_server, len(data), filename="index-last.mp4").headers["location"]
    seen: list[list[str]] = []

    def wait_for_the_held_ffprobe() -> None:
        deadline = time.monotonic() + 10
        while "__break_lease" not in (seen[-1] if seen else []):
            assert time.monotonic() < deadline, f"no ffprobe held back by the lease: {seen[-3:]}"
            time.sleep(0.05)
            seen.append(ffprobe_waits(upload_server))

    status, headers = paused_patch(upload_server, url, data, len(data) // 2,
                                   wait_for_the_held_ffprobe)

    assert status == 204
    assert seen[-1] == ["__break_lease"]
    found = upload_server.data("query ($id: ID!) { asset(id: $id) { status duration } }",
                               {"id": headers["mpr-asset-id"]})["asset"]
    assert found["status"] == "ready"
    assert abs(found["duration"] - 3) < 0.1


@pytest.mark.slow
def test_a_300_mb_upload_cut_midway_resumes_from_the_servers_offset(
        upload_server: MprServer, big_wav: Path) -> None:
    client = tus_client(upload_server)
    first = client.uploader(file_path=str(big_wav), chunk_size=64 * MiB,
                            metadata={"filename": "big.wav"})
    url = first.create_url()
    path = httpx.URL(url).path

    cut_patch(upload_server, path, big_wav, send_bytes=120 * MiB)
    kept = settled_offset(upload_server, path)
    assert 0 < kept <= 120 * MiB
    assert not [k for k in input_keys(upload_server) if k.startswith("uploads/big")]

    resumed = client.uploader(file_path=str(big_wav), url=url, chunk_size=64 * MiB)
    assert resumed.offset == kept
    resumed.upload()

    headers = resumed.request.response_headers
    found = asset(upload_server, headers["mpr-asset-id"])
    assert found["status"] == "ready"
    assert found["filename"] == "big.wav"
    assert found["fileSize"] == big_wav.stat().st_size
    assert stored_sha256(upload_server, found["filePath"]) == sha256_of(big_wav)
    assert not [p for p in staged_files(upload_server) if p.suffix == ".part"]


def test_two_uploads_of_the_same_name_at_once_give_two_assets(upload_server: MprServer,
                                                              clip: Path) -> None:
    results: list[str] = []

    def send() -> None:
        uploader = tus_client(upload_server).uploader(
            file_path=str(clip), chunk_size=64 * 1024, metadata={"filename": "clip.mp4"})
        uploader.upload()
        results.append(uploader.request.response_headers["mpr-asset-id"])

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assets = [asset(upload_server, a) for a in results]
    assert len({a["id"] for a in assets}) == 2
    assert len({a["filePath"] for a in assets}) == 2
    assert {a["filename"] for a in assets} == {"clip.mp4"}
    assert {a["status"] for a in assets} == {"ready"}


def test_an_upload_naming_a_preset_and_a_trim_starts_a_job_that_completes(
        upload_server: MprServer, clip: Path) -> None:
    done = upload_whole(upload_server, clip.read_bytes(), "cut-me.mp4", presets="aac-audio",
                        trimStart="0.5", trimEnd="1.5")

    assert done.status_code == 204, done.text
    job_ids = done.headers["mpr-job-ids"].split(",")
    assert len(job_ids) == 1
    job = upload_server.wait_for_job(job_ids[0])
    assert (job["trimStart"], job["trimEnd"]) == (0.5, 1.5)
    assert head(upload_server, httpx.URL(str(done.request.url)).path
                ).headers["mpr-job-ids"] == job_ids[0]


def test_an_oversized_upload_is_refused_before_any_byte(upload_server: MprServer) -> None:
    before = input_keys(upload_server)

    refused = create(upload_server, MAX_BYTES + 1, filename="huge.mp4")

    assert refused.status_code == 413
    assert "MPR_UPLOAD_MAX_BYTES" in refused.json()["error"]
    assert "location" not in refused.headers
    assert staged_files(upload_server) == [] or all(
        p.suffix == ".json" for p in staged_files(upload_server))
    assert input_keys(upload_server) == before


def test_a_file_that_is_not_media_is_refused_and_removed(upload_server: MprServer) -> None:
    before = input_keys(upload_server)

    refused = upload_whole(upload_server, os.urandom(256 * 1024), "junk.mp4")

    assert refused.status_code == 422
    assert refused.json()["code"] == "NOT_MEDIA"
    assert "junk.mp4" in refused.json()["error"]
    assert head(upload_server, httpx.URL(str(refused.request.url)).path).status_code == 404
    assert input_keys(upload_server) == before
    names = [a["filename"] for a in upload_server.data("query { assets { filename } }")["assets"]]
    assert "junk.mp4" not in names


def test_a_cancelled_upload_leaves_nothing(fs_server: MprServer, clip: Path) -> None:
    data = clip.read_bytes()
    url = create(fs_server, len(data), filename="cancel.mp4").headers["location"]
    assert patch(fs_server, url, 0, data[:1000]).status_code == 204

    with httpx.Client(base_url=fs_server.base_url) as client:
        cancelled = client.delete(url, headers={**TUS, **auth(fs_server.token)})

    assert cancelled.status_code == 204
    assert head(fs_server, url).status_code == 404
    assert not [p for p in staged_files(fs_server) if url.rsplit("/", 1)[1] in p.name]


def test_an_abandoned_upload_expires_and_its_bytes_are_removed(expiring_server: MprServer,
                                                               clip: Path) -> None:
    fs_server = expiring_server
    data = clip.read_bytes()
    created = create(fs_server, len(data), filename="abandoned.mp4")
    url = created.headers["location"]
    assert "upload-expires" in created.headers
    assert patch(fs_server, url, 0, data[:1000]).status_code == 204
    upload_id = url.rsplit("/", 1)[1]

    deadline = time.monotonic() + 10
    while any(upload_id in p.name for p in staged_files(fs_server)):
        assert time.monotonic() < deadline, "the expired upload was not removed"
        time.sleep(0.2)

    assert head(fs_server, url).status_code == 404
    assert patch(fs_server, url, 1000, data[1000:]).status_code == 404


def test_viewers_and_anonymous_callers_may_not_upload(fs_server: MprServer, clip: Path) -> None:
    viewer = token_for(fs_server, "viewer", "upload-viewer")
    data = clip.read_bytes()
    url = create(fs_server, len(data), filename="mine.mp4").headers["location"]
    staged = staged_files(fs_server)

    anonymous = httpx.post(f"{fs_server.base_url}/api/uploads/", headers={
        **TUS, "Upload-Length": "10", "Upload-Metadata": metadata(filename="a.mp4")})
    as_viewer = create(fs_server, 10, token=viewer, filename="a.mp4")
    viewer_patch = patch(fs_server, url, 0, data, token=viewer)
    anonymous_head = httpx.head(f"{fs_server.base_url}{url}", headers=TUS)

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "UNAUTHENTICATED")
    assert (as_viewer.status_code, as_viewer.json()["code"]) == (403, "FORBIDDEN")
    assert viewer_patch.status_code == 403
    assert anonymous_head.status_code == 401
    assert staged_files(fs_server) == staged
    assert int(head(fs_server, url).headers["upload-offset"]) == 0


@pytest.mark.parametrize(("length", "meta", "status", "says"), [
    ("100", metadata(filename="../../etc/passwd.mp4"), 400, "plain file name"),
    ("100", metadata(filename=".hidden.mp4"), 400, "plain file name"),
    ("100", metadata(filename="notes.txt"), 400, "no audio or video extension"),
    ("100", metadata(filename="x" * 6000 + ".mp4"), 400, "Upload-Metadata is larger"),
    ("100", "filename %%%notbase64", 400, "not base64"),
    ("100", metadata(filename="a.mp4") + "," + metadata(filename="b.mp4"), 400, "twice"),
    ("100", "", 400, "filename"),
    ("-5", metadata(filename="a.mp4"), 400, "non-negative whole number"),
    ("9" * 40, metadata(filename="a.mp4"), 400, "non-negative whole number"),
    ("100", metadata(filename="a.mp4", presets="no-such-preset"), 400, "unknown preset"),
    ("100", metadata(filename="a.mp4", trimStart="nan"), 400, "finite"),
])
def test_hostile_creation_headers_are_refused_with_a_clear_error(
        fs_server: MprServer, length: str, meta: str, status: int, says: str) -> None:
    staged = staged_files(fs_server)
    headers = {**TUS, "Authorization": f"Bearer {fs_server.token}", "Upload-Length": length,
               "Upload-Metadata": meta}

    refused = httpx.post(f"{fs_server.base_url}/api/uploads/", headers=headers)

    assert refused.status_code == status, refused.text
    assert says in refused.json()["error"]
    assert staged_files(fs_server) == staged


def test_patches_at_the_wrong_offset_past_the_length_or_with_a_bad_checksum_are_refused(
        fs_server: MprServer) -> None:
    url = create(fs_server, 100, filename="short.mp4").headers["location"]

    wrong_offset = patch(fs_server, url, 5, b"x" * 10)
    past_length = patch(fs_server, url, 0, b"x" * 101)
    bad_checksum = patch(fs_server, url, 0, b"x" * 10,
                         **{"Upload-Checksum": "sha1 " + "A" * 27 + "="})
    wrong_type = patch(fs_server, url, 0, b"x" * 10, **{"Content-Type": "text/plain"})
    no_version = httpx.head(f"{fs_server.base_url}{url}",
                            headers={"Authorization": f"Bearer {fs_server.token}"})

    assert (wrong_offset.status_code, wrong_offset.json()["code"]) == (409, "OFFSET_MISMATCH")
    assert past_length.status_code == 413
    assert bad_checksum.status_code == 460
    assert wrong_type.status_code == 400
    assert no_version.status_code == 400
    assert int(head(fs_server, url).headers["upload-offset"]) == 0


def test_a_checksummed_patch_is_kept_and_options_describe_the_server(fs_server: MprServer
                                                                    ) -> None:
    url = create(fs_server, 100, filename="sum.mp4").headers["location"]
    body = b"y" * 40
    digest = base64.b64encode(hashlib.sha1(body).digest()).decode()  # noqa: S324 - tus sha1

    kept = patch(fs_server, url, 0, body, **{"Upload-Checksum": f"sha1 {digest}"})
    with contextlib.closing(httpx.Client(base_url=fs_server.base_url)) as client:
        options = client.options("/api/uploads/")

    assert (kept.status_code, kept.headers["upload-offset"]) == (204, "40")
    assert options.status_code == 204
    assert options.headers["tus-version"] == "1.0.0"
    assert set(options.headers["tus-extension"].split(",")) >= {
        "creation", "termination", "expiration", "checksum"}
    assert options.headers["tus-max-size"] == str(MAX_BYTES)
