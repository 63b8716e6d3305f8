"""Escapes from the stores, attacked against a running `mpr serve` (issue 11, items 1-5).

Each attack places files in a store and makes HTTP/GraphQL requests; each test asserts the
refusal, the clean state afterwards and that /health kept answering within 100 ms."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.integration.health_watch import health_kept
from tests.integration.media import make_clip
from tests.integration.server_fixtures import SERVER_BACKENDS, MprServer

FS, S3 = SERVER_BACKENDS[0], SERVER_BACKENDS[2]
on_filesystem = pytest.mark.parametrize("mpr_server", [FS], indirect=True, ids=["fs"])
on_both_stores = pytest.mark.parametrize("mpr_server", [FS, S3], indirect=True,
                                         ids=["fs", "s3"])
SECRET = b"PRIVATE: nothing outside the stores may ever be served\n"
CREATE_JOB = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id status } }"
ASSETS = 'query { assets(location: "input", limit: 500) { id filePath status errorMessage } }'
JOBS = "query { jobs(limit: 500) { id status outputPath } }"


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside every store, with a private text file and a private MPEG-TS clip."""
    folder = tmp_path_factory.mktemp("outside-the-stores")
    (folder / "private.txt").write_bytes(SECRET)
    make_clip(folder / "private.ts", duration=1, width=160, height=90)
    return folder


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("escape-clip") / "clip.mp4", duration=1,
                     width=160, height=90)


@contextlib.contextmanager
def attack(server: MprServer) -> Iterator[None]:
    """health_kept around the block, which lasts until a few /health calls were measured."""
    with health_kept(server.base_url) as watch:
        yield
        deadline = time.monotonic() + 2
        while len(watch.latencies) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)


def scan(server: MprServer) -> dict[str, int]:
    result: dict[str, int] = server.data("mutation { scanMediaFolder { found registered "
                                         "skipped missing } }")["scanMediaFolder"]
    return result


def assets(server: MprServer) -> dict[str, dict[str, Any]]:
    return {a["filePath"]: a for a in server.data(ASSETS)["assets"]}


def placed_and_scanned(server: MprServer, sources: dict[str, Path]) -> dict[str, dict[str, Any]]:
    for key, local in sources.items():
        server.put_input(key, local)
    scan(server)
    found = assets(server)
    return {key: found[key] for key in sources}


# --- 1. a playlist disguised as media ----------------------------------------------------


@on_both_stores
def test_a_playlist_or_list_named_like_media_is_refused_at_probe_and_never_followed(
        mpr_server: MprServer, outside: Path, tmp_path: Path) -> None:
    trap = socket.create_server(("127.0.0.1", 0))
    port = trap.getsockname()[1]
    trap.settimeout(0.1)
    playlist = tmp_path / "hls2.mp4"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n"
                        f"file:{outside / 'private.ts'}\n#EXTINF:4,\n"
                        f"http://127.0.0.1:{port}/private.ts\n#EXT-X-ENDLIST\n")
    concat = tmp_path / "cc.mp4"
    concat.write_text(f"ffconcat version 1.0\nfile 'file:{outside / 'private.ts'}'\n"
                      f"file 'http://127.0.0.1:{port}/private.ts'\n")
    outputs_before = mpr_server.output_files()

    with attack(mpr_server):
        found = placed_and_scanned(mpr_server, {"hls2.mp4": playlist, "cc.mp4": concat})
        job = mpr_server.graphql(CREATE_JOB, {"input": {"sourceAssetId": found["hls2.mp4"]["id"]}})
        media = mpr_server.client.get(f"/media/assets/{found['hls2.mp4']['id']}")
        thumb = mpr_server.client.get(f"/media/assets/{found['cc.mp4']['id']}/thumbnail")

    with pytest.raises(TimeoutError):
        trap.accept()  # nobody ever connected to the URL inside the playlist
    trap.close()
    for key, detected in (("hls2.mp4", "hls"), ("cc.mp4", "concat")):
        assert found[key]["status"] == "error"
        assert found[key]["errorMessage"].startswith(
            f"not a single-file media container (detected: {detected})")
        assert str(outside) not in found[key]["errorMessage"]
    assert job["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (media.status_code, media.json()["code"]) == (409, "CONFLICT")
    assert thumb.status_code == 400
    assert mpr_server.output_files() == outputs_before


# --- 2. hard links ------------------------------------------------------------------------


@on_filesystem
def test_hard_links_to_the_database_or_a_private_file_are_never_served(
        mpr_server: MprServer, outside: Path, clip: Path) -> None:
    database = mpr_server.data_dir / "mpr.sqlite3"
    stores = (mpr_server.media_in, mpr_server.media_out)
    assert not any(store in database.parents for store in stores)  # kept out of the stores
    os.link(database, mpr_server.media_in / "db.mp4")
    os.link(outside / "private.txt", mpr_server.media_in / "x.mp4")
    ready = placed_and_scanned(mpr_server, {"relinked.mp4": clip})["relinked.mp4"]
    (mpr_server.media_in / "relinked.mp4").unlink()
    os.link(outside / "private.txt", mpr_server.media_in / "relinked.mp4")

    with attack(mpr_server):
        scan(mpr_server)
        linked = assets(mpr_server)
        answers = [mpr_server.client.get(f"/media/assets/{linked[key]['id']}")
                   for key in ("db.mp4", "x.mp4", "relinked.mp4")]

    for key in ("db.mp4", "x.mp4"):
        assert linked[key]["status"] == "error"
        assert "has 2 hard links" in linked[key]["errorMessage"]
    assert ready["status"] == "ready"
    assert [a.status_code for a in answers] == [409, 409, 409]
    assert [a.json()["code"] for a in answers] == ["CONFLICT", "CONFLICT", "REFUSED_OBJECT"]
    for answer in answers:
        assert b"SQLite format 3" not in answer.content
        assert SECRET not in answer.content
        assert str(mpr_server.data_dir) not in answer.text


# --- 3. symlink race ----------------------------------------------------------------------


# Swaps two names atomically in a loop (renameat2 RENAME_EXCHANGE), as an attacker would, in a
# process of its own so that it never competes with the health watch for this process's GIL.
SWAPPER = """
import ctypes, os, sys, time
first, second = (os.fsencode(arg) for arg in sys.argv[1:3])
rename_at2 = ctypes.CDLL(None, use_errno=True).renameat2
print("ready", flush=True)
while True:
    if rename_at2(-100, first, -100, second, 2) != 0:
        sys.exit(f"renameat2: {os.strerror(ctypes.get_errno())}")
    time.sleep(0.001)
"""


@contextlib.contextmanager
def swapping(first: Path, second: Path) -> Iterator[None]:
    """Exchange the two names in a loop for the block; first is the original again after."""
    process = subprocess.Popen([sys.executable, "-c", SWAPPER, str(first), str(second)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        yield
    finally:
        process.kill()
        process.wait()
    if first.is_symlink():
        first.unlink()
        os.rename(second, first)


@on_filesystem
def test_swapping_a_symlink_in_a_loop_never_serves_a_file_outside_the_store(
        mpr_server: MprServer, outside: Path, clip: Path) -> None:
    asset = placed_and_scanned(mpr_server, {"race.mp4": clip})["race.mp4"]
    path, link = mpr_server.media_in / "race.mp4", mpr_server.media_in / ".race-link"
    link.symlink_to(outside / "private.txt")
    statuses: list[int] = []

    with swapping(path, link), attack(mpr_server):  # race.mp4: the clip, or a link outside
        for _ in range(300):
            answer = mpr_server.client.get(f"/media/assets/{asset['id']}")
            assert SECRET not in answer.content
            statuses.append(answer.status_code)
            if answer.status_code == 200:
                assert answer.content == clip.read_bytes()
            time.sleep(0.002)  # an attacker's pace, not a load test

    assert set(statuses) <= {200, 409}
    assert statuses.count(200) > 50
    assert statuses.count(409) > 50  # the swap did race the requests
    assert mpr_server.client.get(f"/media/assets/{asset['id']}").content == clip.read_bytes()


@pytest.mark.parametrize("mpr_server", [S3], indirect=True, ids=["s3"])
def test_s3_keys_never_resolve_outside_the_bucket_and_urls_are_for_the_object_only(
        mpr_server: MprServer, clip: Path) -> None:
    buckets = mpr_server.buckets
    assert buckets is not None
    buckets.client.put_object(Bucket=buckets.bucket_out, Key="secret.mp4", Body=SECRET)
    escaping = f"a/../../{buckets.bucket_out}/secret.mp4"
    buckets.client.put_object(Bucket=buckets.bucket_in, Key=escaping, Body=SECRET)

    with attack(mpr_server):
        asset = placed_and_scanned(mpr_server, {"s3clip.mp4": clip})["s3clip.mp4"]
        redirect = mpr_server.client.get(f"/media/assets/{asset['id']}")

    url = urlsplit(redirect.headers["location"])
    assert redirect.status_code == 307
    assert url.path == f"/{buckets.bucket_in}/s3clip.mp4"
    assert "X-Amz-Signature=" in url.query  # real S3 signs bucket and key (moto ignores it)
    assert escaping not in assets(mpr_server)


# --- 4. FIFOs -----------------------------------------------------------------------------


@on_filesystem
def test_a_fifo_in_place_of_a_file_blocks_nothing_and_is_refused(
        mpr_server: MprServer, clip: Path) -> None:
    found = placed_and_scanned(mpr_server, {"steady.mp4": clip, "victim.mp4": clip})
    victim = found["victim.mp4"]["id"]
    (mpr_server.media_in / "victim.mp4").unlink()
    os.mkfifo(mpr_server.media_in / "victim.mp4")
    os.mkfifo(mpr_server.media_in / "fresh-fifo.mp4")
    get = mpr_server.client.get

    # more at once than the server's thread pool has threads (6 on 2 cores): none may hang
    with attack(mpr_server), ThreadPoolExecutor(8) as pool:
        started = time.monotonic()
        refused = list(pool.map(lambda _: get(f"/media/assets/{victim}", timeout=5), range(16)))
        thumb = get(f"/media/assets/{victim}/thumbnail", timeout=5)
        steady = get(f"/media/assets/{found['steady.mp4']['id']}", timeout=5)
        job = mpr_server.data(CREATE_JOB, {"input": {"sourceAssetId": victim}})["createJob"]
        failed = mpr_server.wait_for_job(job["id"], "failed", timeout=20)
        result = scan(mpr_server)  # lists regular files only: the victim is gone from it
        took = time.monotonic() - started

    assert {(r.status_code, r.json()["code"]) for r in refused} == {(409, "REFUSED_OBJECT")}
    assert "not a regular file (a FIFO)" in refused[0].json()["error"]
    assert (thumb.status_code, thumb.json()["code"]) == (409, "REFUSED_OBJECT")
    assert (steady.status_code, steady.content) == (200, clip.read_bytes())
    assert "fresh-fifo.mp4" not in assets(mpr_server)
    assert result["registered"] == 0
    assert result["missing"] == 1
    assert "not a regular file (a FIFO)" in failed["errorMessage"]
    assert mpr_server.data('query { jobs(status: "processing") { id } }')["jobs"] == []
    assert took < 20


# --- 5. overwriting -----------------------------------------------------------------------


@on_both_stores
def test_an_output_name_taken_by_a_file_no_job_knows_is_a_conflict_and_it_stays(
        mpr_server: MprServer, clip: Path) -> None:
    source = placed_and_scanned(mpr_server, {"five.mp4": clip})["five.mp4"]
    if mpr_server.buckets:
        mpr_server.buckets.client.put_object(Bucket=mpr_server.buckets.bucket_out,
                                             Key="precious.mp4", Body=SECRET)
    else:
        (mpr_server.media_out / "precious.mp4").write_bytes(SECRET)
    jobs_before = mpr_server.data(JOBS)["jobs"]

    with attack(mpr_server):
        error = mpr_server.error(CREATE_JOB, {"input": {"sourceAssetId": source["id"],
                                                        "outputFilename": "precious.mp4"}})

    assert error["extensions"]["code"] == "CONFLICT"
    assert "'precious.mp4' already exists" in error["message"]
    assert str(mpr_server.data_dir) not in error["message"]
    assert mpr_server.data(JOBS)["jobs"] == jobs_before
    assert mpr_server.output_file("precious.mp4").read_bytes() == SECRET
