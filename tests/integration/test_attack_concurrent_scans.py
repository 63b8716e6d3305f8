"""Attack (issue 11, item 8): ten scanMediaFolder calls at once on a store of new files.

One scan runs per store at a time; the calls made while it runs join it and get its result,
so each new file is probed once and the ten callers wait about as long as one scan takes."""

from __future__ import annotations

import shlex
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.health_watch import health_kept
from tests.integration.media import make_clip
from tests.integration.server_fixtures import SERVER_BACKENDS, MprServer

pytestmark = pytest.mark.parametrize("mpr_server", [SERVER_BACKENDS[0]], indirect=True,
                                     ids=["sqlite"])

CALLERS = 10
FILES = 4  # one round of the scan's pool of four probes
PROBE_DELAY = 0.5  # seconds the ffprobe wrapper waits before probing, so scans surely overlap
SCAN = "mutation { scanMediaFolder { found registered skipped missing restored } }"
ASSETS = 'query { assets(location: "input", limit: 500) { filePath status } }'


@pytest.fixture(scope="module")
def probe_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("probe-log") / "probes.log"


# Notes the file each metadata probe reads (sources come as an inherited /dev/fd/N, resolved
# here to the file's path; the scan's second, tail-reading ffprobe is not counted).
PROBE_WRAPPER = """#!/bin/sh
case " $* " in *" -show_streams "*)
  for arg in "$@"; do
    case "$arg" in file:/dev/fd/*) readlink -f "${{arg#file:}}" >> {log};; esac
  done;;
esac
sleep {delay}
exec {ffprobe} "$@"
"""


@pytest.fixture(scope="module")
def server_env(probe_log: Path, ffprobe: str, tmp_path_factory: pytest.TempPathFactory
               ) -> dict[str, str]:
    """An ffprobe that notes each call in probe_log and is a little slow, as on big files."""
    wrapper = tmp_path_factory.mktemp("probe-wrapper") / "ffprobe"
    wrapper.write_text(PROBE_WRAPPER.format(log=shlex.quote(str(probe_log)), delay=PROBE_DELAY,
                                            ffprobe=shlex.quote(ffprobe)))
    wrapper.chmod(0o755)
    return {"MPR_FFPROBE": str(wrapper)}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("scan-clips") / "clip.mp4", duration=1,
                     width=160, height=90)


def put_batch(server: MprServer, clip: Path, folder: str) -> list[str]:
    keys = [f"{folder}/clip-{n}.mp4" for n in range(FILES)]
    for key in keys:
        server.put_input(key, clip)
    return keys


def probes_of(probe_log: Path, keys: list[str]) -> dict[str, int]:
    lines = probe_log.read_text().splitlines() if probe_log.exists() else []
    return {key: sum(key in line for line in lines) for key in keys}


def timed_scan(server: MprServer, start: threading.Barrier) -> tuple[float, dict[str, Any]]:
    with httpx.Client(base_url=server.base_url, timeout=60,
                      headers={"Authorization": f"Bearer {server.token}"}) as client:
        client.get("/health")  # connected before the burst: the attack is the ten scans
        start.wait()
        began = time.perf_counter()
        response = client.post("/graphql", json={"query": SCAN})
        elapsed = time.perf_counter() - began
    return elapsed, response.json()


def scan_at_once(server: MprServer, callers: int) -> list[tuple[float, dict[str, Any]]]:
    start = threading.Barrier(callers)
    with ThreadPoolExecutor(callers) as pool:
        return list(pool.map(lambda _: timed_scan(server, start), range(callers)))


@pytest.fixture(scope="module")
def one_scan_seconds(mpr_server: MprServer, clip: Path) -> float:
    """How long one scan of FILES new files takes on this server, alone."""
    put_batch(mpr_server, clip, "alone")
    ((elapsed, body),) = scan_at_once(mpr_server, 1)
    assert body["data"]["scanMediaFolder"]["registered"] == FILES
    return elapsed


def test_ten_scans_at_once_probe_each_new_file_once_and_take_about_one_scan(
        mpr_server: MprServer, clip: Path, probe_log: Path, one_scan_seconds: float) -> None:
    keys = put_batch(mpr_server, clip, "burst")

    with health_kept(mpr_server.base_url) as watch:
        answers = scan_at_once(mpr_server, CALLERS)

    slowest = max(elapsed for elapsed, _ in answers)
    results = [body["data"]["scanMediaFolder"] for _, body in answers]
    assert all("errors" not in body for _, body in answers), answers
    assert probes_of(probe_log, keys) == dict.fromkeys(keys, 1)
    assert results == [{"found": 2 * FILES, "registered": FILES, "skipped": FILES,
                        "missing": 0, "restored": 0}] * CALLERS
    assert slowest < 2 * one_scan_seconds, (
        f"ten scans at once took {slowest:.2f} s, one alone {one_scan_seconds:.2f} s")
    print(f"one scan alone {one_scan_seconds:.2f} s; ten at once {slowest:.2f} s; "
          f"/health slowest {watch.slowest * 1000:.0f} ms over {len(watch.latencies)} calls")


def test_after_the_burst_every_file_is_registered_once_and_ready(mpr_server: MprServer
                                                                  ) -> None:
    assets = mpr_server.data(ASSETS)["assets"]

    paths = sorted(a["filePath"] for a in assets)
    assert len(paths) == len(set(paths)) == 2 * FILES
    assert {a["status"] for a in assets} == {"ready"}


def test_a_scan_after_the_shared_one_ended_scans_afresh(mpr_server: MprServer,
                                                        probe_log: Path) -> None:
    before = len(probe_log.read_text().splitlines())

    result = mpr_server.data(SCAN)["scanMediaFolder"]

    assert (result["found"], result["registered"], result["skipped"]) == (
        2 * FILES, 0, 2 * FILES)
    assert len(probe_log.read_text().splitlines()) == before
