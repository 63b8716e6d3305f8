"""Watched input stores: a file copied slowly into the folder is registered once, complete,
soon after its last byte; on S3 a periodic listing finds new objects."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mpr.adapters.watch.filesystem import FilesystemChanges
from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer, running_server

ASSETS = 'query { assets(limit: 500) { id filename filePath status fileSize } }'


def assets_named(server: MprServer, name: str) -> list[dict[str, Any]]:
    return [a for a in server.data(ASSETS)["assets"] if a["filename"] == name]


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    env = {"MPR_SAMPLES": "false", "MPR_WATCH": "true", "MPR_WATCH_SETTLE": "1"}
    with running_server("watched", tmp_path_factory.mktemp("watched"), env) as server:
        yield server


def test_a_file_written_slowly_is_registered_once_after_it_is_complete(
        watched: MprServer, tmp_path: Path) -> None:
    data = make_clip(tmp_path / "slow.mp4", duration=3).read_bytes()
    target = watched.media_in / "incoming" / "slow.mp4"
    target.parent.mkdir(parents=True)
    pieces = [data[i:i + len(data) // 12 + 1] for i in range(0, len(data), len(data) // 12 + 1)]

    with target.open("wb") as out:
        for piece in pieces:  # about 4 s in all, a piece every 0.35 s
            out.write(piece)
            out.flush()
            assert assets_named(watched, "slow.mp4") == [], "registered before it was complete"
            time.sleep(0.35)
    finished = time.monotonic()
    while not assets_named(watched, "slow.mp4"):
        assert time.monotonic() - finished < 3, "not registered within 3 s of its last byte"
        time.sleep(0.05)

    time.sleep(1.5)  # later passes must not register it again
    (found,) = assets_named(watched, "slow.mp4")
    assert found["status"] == "ready"
    assert found["fileSize"] == len(data)
    assert found["filePath"] == "incoming/slow.mp4"


def test_a_writer_that_pauses_longer_than_the_settle_time_is_waited_for(
        watched: MprServer, tmp_path: Path) -> None:
    data = make_clip(tmp_path / "paused.mp4", duration=2).read_bytes()
    target = watched.media_in / "paused.mp4"
    half = len(data) // 2

    with target.open("wb") as out:
        out.write(data[:half])
        out.flush()
        time.sleep(3)  # three settle times, the file held open
        assert assets_named(watched, "paused.mp4") == [], "registered while still open"
        out.write(data[half:])
    closed = time.monotonic()
    while not assets_named(watched, "paused.mp4"):
        assert time.monotonic() - closed < 3, "not registered within 3 s of being closed"
        time.sleep(0.05)
    (found,) = assets_named(watched, "paused.mp4")
    assert (found["status"], found["fileSize"]) == ("ready", len(data))


def test_the_kernel_tells_whether_a_file_is_open_for_writing(tmp_path: Path) -> None:
    changes = FilesystemChanges(tmp_path)
    (tmp_path / "a.mp4").write_bytes(b"x")
    (tmp_path / "link.mp4").symlink_to(tmp_path / "a.mp4")

    def writing(key: str) -> bool:
        return asyncio.run(changes.being_written(key))

    assert not writing("a.mp4")
    with (tmp_path / "a.mp4").open("ab"):
        assert writing("a.mp4")
        assert not writing("link.mp4"), "a link is never followed"
    assert not writing("a.mp4")
    other = subprocess.Popen(["sh", "-c", f"exec 3>>'{tmp_path / 'a.mp4'}'; exec sleep 5"])
    try:
        deadline = time.monotonic() + 5
        while not writing("a.mp4"):  # another process's writer counts as well
            assert time.monotonic() < deadline, "the other process's writer was not seen"
            time.sleep(0.05)
    finally:
        other.kill()
        other.wait()
    assert not writing("a.mp4")
    assert not writing("missing.mp4")
    os.mkfifo(tmp_path / "pipe.mp4")
    assert not writing("pipe.mp4"), "not a regular file: refused, not opened"


def test_hidden_and_non_media_files_are_left_alone(watched: MprServer) -> None:
    (watched.media_in / ".partial.mp4").write_bytes(b"x" * 1000)
    (watched.media_in / "notes.txt").write_text("hello")

    time.sleep(2.5)

    names = {a["filename"] for a in watched.data(ASSETS)["assets"]}
    assert not names & {".partial.mp4", "notes.txt"}


@pytest.fixture(scope="module")
def watched_s3(tmp_path_factory: pytest.TempPathFactory, s3_server_env: dict[str, str]
               ) -> Iterator[MprServer]:
    env = {"MPR_SAMPLES": "false", "MPR_WATCH": "true", "MPR_SCAN_INTERVAL": "0.5",
           **s3_server_env}
    with running_server("watched-s3", tmp_path_factory.mktemp("watched-s3"), env) as server:
        yield server


def test_an_object_put_in_a_watched_bucket_is_registered_by_the_periodic_listing(
        watched_s3: MprServer, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "listed.mp4", duration=1)

    assert watched_s3.buckets is not None
    watched_s3.buckets.put_input("drop/listed.mp4", clip)

    deadline = time.monotonic() + 5
    while not assets_named(watched_s3, "listed.mp4"):
        assert time.monotonic() < deadline, "the listing did not register the new object"
        time.sleep(0.1)
    assert assets_named(watched_s3, "listed.mp4")[0]["status"] == "ready"
