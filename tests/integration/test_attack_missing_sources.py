"""Attack (issue 11, item 16): a source deleted from the store behind MPR's back.

A rescan marks it `missing` (listed by `assets(status: "missing")`); jobs, retries, playback
and thumbnails of it are refused naming the file; the same object put back (same key and
size) makes it `ready` again at the next rescan. On the filesystem store and on S3 (moto)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.integration.health_watch import health_kept
from tests.integration.media import make_clip
from tests.integration.server_fixtures import SERVER_BACKENDS, MprServer

pytestmark = pytest.mark.parametrize("mpr_server", [SERVER_BACKENDS[0], SERVER_BACKENDS[2]],
                                     indirect=True, ids=["filesystem", "s3"])

SCAN = "mutation { scanMediaFolder { found registered skipped missing restored } }"
CREATE_JOB = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id status } }"
RETRY_JOB = "mutation ($id: ID!) { retryJob(id: $id) { id status } }"
CANCEL_JOB = "mutation ($id: ID!) { cancelJob(id: $id) { id status } }"
STATE = """query {
  assets(limit: 500) { id filePath status errorMessage updatedAt }
  jobs(limit: 500) { id status attempts outputPath }
}"""
GONE = "shows/gone.mp4"
REPEATS = 20  # an attacker repeats the request
MIN_HEALTH_CALLS = 3


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("missing-sources")
    return {"short": make_clip(root / "short.mp4", duration=2, width=320, height=180),
            "long": make_clip(root / "long.mp4", duration=20, width=640, height=360),
            "other": make_clip(root / "other.mp4", duration=3, width=320, height=180)}


T = TypeVar("T")


def hammered(server: MprServer, attack: Callable[[], T]) -> T:
    """The outcome of an attack repeated REPEATS times, and on until /health was watched a few
    times (each outcome the same), with /health kept."""
    with health_kept(server.base_url) as watch:
        outcomes = [attack() for _ in range(REPEATS)]
        while len(watch.latencies) < MIN_HEALTH_CALLS:
            outcomes.append(attack())
    assert all(o == outcomes[0] for o in outcomes), outcomes
    return outcomes[0]


def remove_input(server: MprServer, key: str) -> None:
    """Delete an object from the input store behind the server's back."""
    if server.buckets:
        server.buckets.client.delete_object(Bucket=server.buckets.bucket_in, Key=key)
    (server.media_in / key).unlink(missing_ok=True)


def assets_by_path(server: MprServer) -> dict[str, dict[str, Any]]:
    return {a["filePath"]: a for a in server.data(STATE)["assets"]}


@pytest.fixture(scope="module")
def sources(mpr_server: MprServer, clips: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """Two ready sources, and a cancelled job on the one that will go missing."""
    mpr_server.put_input("kept.mp4", clips["short"])
    mpr_server.put_input(GONE, clips["long"])
    mpr_server.data(SCAN)
    assets = assets_by_path(mpr_server)
    preset = mpr_server.preset_ids()["h265-1080p"]
    job = mpr_server.data(CREATE_JOB, {"input": {"sourceAssetId": assets[GONE]["id"],
                                                 "presetId": preset}})["createJob"]
    mpr_server.data(CANCEL_JOB, {"id": job["id"]})
    mpr_server.wait_for_job(job["id"], "cancelled")
    return {**assets, "job": job}


@pytest.fixture(scope="module")
def gone(mpr_server: MprServer, sources: dict[str, Any]) -> dict[str, Any]:
    """The rescan after GONE was deleted: its result and the state before and after it."""
    remove_input(mpr_server, GONE)
    before = mpr_server.data(STATE)
    result = hammered(mpr_server, lambda: mpr_server.data(SCAN)["scanMediaFolder"])
    return {"result": result, "before": before, "after": mpr_server.data(STATE)}


def assert_refused(server: MprServer, query: str, variables: dict[str, Any], code: str
                   ) -> str:
    """Refused with the code, naming the missing file, without a server path; nothing changed."""
    before = server.data(STATE)
    error = hammered(server, lambda: server.error(query, variables))
    message: str = error["message"]
    assert error["extensions"]["code"] == code, error
    assert f"'{GONE}'" in message, message
    assert "missing" in message, message
    assert str(server.data_dir) not in message
    assert server.data(STATE) == before
    return message


def test_a_rescan_marks_only_the_deleted_source_missing(mpr_server: MprServer,
                                                        sources: dict[str, Any],
                                                        gone: dict[str, Any]) -> None:
    before = {a["filePath"]: a for a in gone["before"]["assets"]}
    after = {a["filePath"]: a for a in gone["after"]["assets"]}

    assert gone["result"] == {"found": 1, "registered": 0, "skipped": 1, "missing": 1,
                              "restored": 0}
    assert after[GONE]["status"] == "missing"
    assert after["kept.mp4"] == before["kept.mp4"]
    assert gone["after"]["jobs"] == gone["before"]["jobs"]


def test_missing_sources_are_listed_by_their_status(mpr_server: MprServer,
                                                    gone: dict[str, Any]) -> None:
    listed = mpr_server.data('query { assets(status: "missing") { filePath status } }')

    assert listed["assets"] == [{"filePath": GONE, "status": "missing"}]


def test_a_job_on_a_missing_source_is_refused_naming_the_file(mpr_server: MprServer,
                                                             sources: dict[str, Any],
                                                             gone: dict[str, Any]) -> None:
    job = {"sourceAssetId": sources[GONE]["id"], "trimEnd": 1.0}

    assert_refused(mpr_server, CREATE_JOB, {"input": job}, "CONFLICT")


def test_retrying_a_job_of_a_missing_source_is_refused_naming_the_file(
        mpr_server: MprServer, sources: dict[str, Any], gone: dict[str, Any]) -> None:
    assert_refused(mpr_server, RETRY_JOB, {"id": sources["job"]["id"]}, "CONFLICT")

    assert mpr_server.job(sources["job"]["id"])["status"] == "cancelled"


@pytest.mark.parametrize("route", ["", "/thumbnail?t=1&w=160"])
def test_playing_a_missing_source_is_404_saying_it_is_missing(
        mpr_server: MprServer, sources: dict[str, Any], gone: dict[str, Any], route: str
        ) -> None:
    url = f"/media/assets/{sources[GONE]['id']}{route}"

    status, body = hammered(mpr_server, lambda: (
        (r := mpr_server.client.get(url, follow_redirects=False)).status_code, r.json()))

    assert status == 404
    assert body["code"] == "NOT_FOUND"
    assert f"'{GONE}'" in body["error"]
    assert "missing" in body["error"]
    assert str(mpr_server.data_dir) not in body["error"]


def test_a_different_file_under_the_key_leaves_it_missing_then_the_same_file_restores_it(
        mpr_server: MprServer, clips: dict[str, Path], sources: dict[str, Any],
        gone: dict[str, Any]) -> None:
    asset_id = sources[GONE]["id"]
    scan = lambda: mpr_server.data(SCAN)["scanMediaFolder"]  # noqa: E731
    mpr_server.put_input(GONE, clips["other"])
    different = hammered(mpr_server, scan)
    still = assets_by_path(mpr_server)[GONE]
    mpr_server.put_input(GONE, clips["long"])

    with health_kept(mpr_server.base_url) as watch:
        same, *again = [scan() for _ in range(REPEATS)]
        while len(watch.latencies) < MIN_HEALTH_CALLS:
            again.append(scan())

    back = assets_by_path(mpr_server)[GONE]
    assert (different["missing"], different["registered"], still["status"]) == (1, 0, "missing")
    assert (same["missing"], same["restored"], same["registered"]) == (0, 1, 0)
    assert {a["restored"] for a in again} == {0}
    assert (back["id"], back["status"]) == (asset_id, "ready")
    assert mpr_server.client.get(f"/media/assets/{asset_id}",
                                 headers={"Range": "bytes=0-9"}).status_code in (206, 307)
    retried = mpr_server.data(RETRY_JOB, {"id": sources["job"]["id"]})["retryJob"]
    mpr_server.data(CANCEL_JOB, {"id": retried["id"]})
