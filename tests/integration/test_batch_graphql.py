"""Batch work over GraphQL on a real `mpr serve` (SQLite and PostgreSQL): createJobs by ids
and by the asset list's filter, refusals per asset, the 200-asset bound, roles, batch(id)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.access_clients import http_graphql_response
from tests.integration.media import make_clip, probe, write_corrupt
from tests.integration.server_fixtures import SERVER_BACKENDS, MprServer

pytestmark = pytest.mark.parametrize("mpr_server", [b for b in SERVER_BACKENDS
                                                    if b.name in ("sqlite", "postgresql")],
                                     indirect=True, ids=lambda b: b.name)

CREATE_JOBS = """mutation ($input: CreateJobsInput!) {
  createJobs(input: $input) {
    batchId
    jobs { id status sourceAssetId batchId trimStart trimEnd preset { name } }
    refused { assetId filename reason code }
  }
}"""
BATCH = """query ($id: ID!) {
  batch(id: $id) {
    id total progress finished
    counts { pending processing completed failed cancelled }
    jobs { id status progress batchId sourceAssetId outputPath outputAssetId }
  }
}"""
JOB_IDS = "query { jobs(limit: 500) { id } }"
SOURCES = {"ep1.mp4": 1.0, "ep2.mp4": 3.0, "ep3.mp4": 1.0, "trailer.mp4": 1.0}


@dataclass(frozen=True)
class Library:
    ids: dict[str, str]  # asset id by file name

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


@pytest.fixture(scope="module")
def library(mpr_server: MprServer, tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("batch-sources")
    files: dict[str, Path] = {
        name: make_clip(root / name, duration=seconds, width=160, height=90)
        for name, seconds in SOURCES.items()}
    files["tone.mp3"] = make_clip(root / "tone.mp3", duration=1, video=False)
    files["broken.mp4"] = write_corrupt(root / "broken.mp4")
    for name, path in files.items():
        mpr_server.put_input(f"shows/{name}", path)
    mpr_server.data("mutation { scanMediaFolder { found } }")
    assets = mpr_server.data("query { assets(limit: 500) { id filename } }")["assets"]
    return Library({a["filename"]: a["id"] for a in assets})


@pytest.fixture(scope="module")
def viewer_token(mpr_server: MprServer) -> str:
    made = mpr_server.data("""mutation { createToken(name: "batch-viewer", role: "viewer")
        { secret } }""")
    return str(made["createToken"]["secret"])


def create_jobs(server: MprServer, **input: Any) -> dict[str, Any]:
    result: dict[str, Any] = server.data(CREATE_JOBS, {"input": input})["createJobs"]
    return result


def wait_for_batch(server: MprServer, batch_id: str, timeout: float = 90) -> dict[str, Any]:
    """Poll batch(id) until it is finished; every answer's progress must not go back."""
    deadline, last = time.monotonic() + timeout, 0.0
    while True:
        batch: dict[str, Any] = server.data(BATCH, {"id": batch_id})["batch"]
        assert batch["progress"] >= last, f"batch progress went back: {batch}"
        last = batch["progress"]
        if batch["finished"]:
            return batch
        assert time.monotonic() < deadline, f"batch not finished: {batch}\n{server.log_tail()}"
        time.sleep(0.1)


def job_ids(server: MprServer) -> set[str]:
    return {j["id"] for j in server.data(JOB_IDS)["jobs"]}


def test_a_batch_by_ids_encodes_each_whole_file_and_reports_overall_progress(
        mpr_server: MprServer, library: Library) -> None:
    preset = mpr_server.preset_ids()["h264-480p"]

    made = create_jobs(mpr_server, presetId=preset, assetIds=[library["ep1.mp4"],
                                                              library["ep2.mp4"]])
    done = wait_for_batch(mpr_server, made["batchId"])

    assert made["refused"] == []
    assert [j["sourceAssetId"] for j in made["jobs"]] == [library["ep1.mp4"], library["ep2.mp4"]]
    assert {j["batchId"] for j in made["jobs"]} == {made["batchId"]}
    assert all(j["trimStart"] is None and j["trimEnd"] is None for j in made["jobs"])
    assert (done["total"], done["progress"]) == (2, 100.0)
    assert done["counts"] == {"pending": 0, "processing": 0, "completed": 2, "failed": 0,
                              "cancelled": 0}
    assert {j["id"] for j in done["jobs"]} == {j["id"] for j in made["jobs"]}
    durations = sorted(probe(mpr_server.output_file(j["outputPath"])).duration or 0
                       for j in done["jobs"])
    assert durations == [pytest.approx(1.0, abs=0.15), pytest.approx(3.0, abs=0.15)]


def test_assets_that_cannot_take_the_preset_are_refused_and_the_rest_run(
        mpr_server: MprServer, library: Library) -> None:
    preset = mpr_server.preset_ids()["h264-480p"]
    output = mpr_server.data('query { assets(location: "output", limit: 1) { id } }')["assets"]
    unknown = str(uuid.uuid4())
    ids = [library["ep3.mp4"], library["tone.mp3"], library["broken.mp4"], unknown]
    ids += [a["id"] for a in output]

    made = create_jobs(mpr_server, presetId=preset, assetIds=ids)
    done = wait_for_batch(mpr_server, made["batchId"])

    assert [j["sourceAssetId"] for j in made["jobs"]] == [library["ep3.mp4"]]
    refused = {r["assetId"]: r for r in made["refused"]}
    assert refused[library["tone.mp3"]]["filename"] == "tone.mp3"
    assert "encodes video; tone.mp3 has none" in refused[library["tone.mp3"]]["reason"]
    assert refused[library["broken.mp4"]]["code"] == "BAD_USER_INPUT"
    assert "is error, not ready" in refused[library["broken.mp4"]]["reason"]
    assert refused[unknown] == {"assetId": unknown, "filename": None, "code": "NOT_FOUND",
                                "reason": f"asset {unknown} not found"}
    assert len(output) == 1, "the batch by ids made an output before this test"
    assert "is an output" in refused[output[0]["id"]]["reason"]
    assert (done["total"], done["counts"]["completed"], done["progress"]) == (1, 1, 100.0)


def test_a_batch_by_filter_takes_what_the_asset_list_shows_for_it(
        mpr_server: MprServer, library: Library) -> None:
    preset = mpr_server.preset_ids()["aac-audio"]
    matching = {"search": "EP", "status": "ready", "location": "input"}
    shown = mpr_server.data("""query { assets(search: "EP", status: "ready",
        location: "input") { id } }""")["assets"]

    made = create_jobs(mpr_server, presetId=preset, filter=matching)
    done = wait_for_batch(mpr_server, made["batchId"])

    wanted = {library[n] for n in ("ep1.mp4", "ep2.mp4", "ep3.mp4")}
    assert {a["id"] for a in shown} == wanted
    assert {j["sourceAssetId"] for j in made["jobs"]} == wanted
    assert made["refused"] == []
    assert done["counts"]["completed"] == 3


def test_more_than_200_assets_are_refused_and_nothing_is_made(mpr_server: MprServer,
                                                               library: Library) -> None:
    preset = mpr_server.preset_ids()["h264-480p"]
    ids = [library["ep1.mp4"], *(str(uuid.uuid4()) for _ in range(200))]
    before = job_ids(mpr_server)

    error = mpr_server.error(CREATE_JOBS, {"input": {"presetId": preset, "assetIds": ids}})

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "assetIds"
    assert error["message"] == "201 assets given; a batch takes at most 200"
    assert job_ids(mpr_server) == before


@pytest.mark.parametrize(("input", "code"), [
    ({"assetIds": ["ep1.mp4"], "filter": {"search": "ep"}}, "BAD_USER_INPUT"),
    ({}, "BAD_USER_INPUT"),
    ({"assetIds": ["not-an-id"]}, "BAD_USER_INPUT"),
    ({"filter": {"status": "bogus"}}, "BAD_USER_INPUT"),
    ({"filter": {"search": "no such asset"}}, "BAD_USER_INPUT"),
    ({"assetIds": ["ep1.mp4"], "trimStart": 1}, "BAD_USER_INPUT"),  # batches are whole files
])
def test_malformed_batches_are_refused_and_change_nothing(
        mpr_server: MprServer, library: Library, input: dict[str, Any], code: str) -> None:
    given = dict(input)
    if "assetIds" in given:
        given["assetIds"] = [library.ids.get(i, i) for i in given["assetIds"]]
    before = job_ids(mpr_server)

    error = mpr_server.error(CREATE_JOBS, {"input": {
        "presetId": mpr_server.preset_ids()["h264-480p"], **given}})

    assert error["extensions"]["code"] == code
    assert "Traceback" not in error["message"]
    assert job_ids(mpr_server) == before


def test_a_viewer_may_read_a_batch_but_not_start_one(mpr_server: MprServer, library: Library,
                                                     viewer_token: str) -> None:
    preset = mpr_server.preset_ids()["h264-480p"]
    batch = create_jobs(mpr_server, presetId=preset, assetIds=[library["trailer.mp4"]])
    before = job_ids(mpr_server)

    refused = http_graphql_response(mpr_server, viewer_token, CREATE_JOBS, {"input": {
        "presetId": preset, "assetIds": [library["ep1.mp4"]]}})
    read = http_graphql_response(mpr_server, viewer_token, BATCH, {"id": batch["batchId"]})

    assert refused.status_code == 403
    assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["FORBIDDEN"]
    assert job_ids(mpr_server) == before
    assert read.json()["data"]["batch"]["id"] == batch["batchId"]
    wait_for_batch(mpr_server, batch["batchId"])


def test_an_unknown_batch_is_not_found(mpr_server: MprServer) -> None:
    error = mpr_server.error(BATCH, {"id": str(uuid.uuid4())})

    assert error["extensions"]["code"] == "NOT_FOUND"


def test_a_batch_whose_every_asset_is_refused_makes_no_jobs_and_reads_as_not_found(
        mpr_server: MprServer, library: Library) -> None:
    preset = mpr_server.preset_ids()["h264-480p"]
    before = job_ids(mpr_server)

    made = create_jobs(mpr_server, presetId=preset, assetIds=[library["tone.mp3"]])
    error = mpr_server.error(BATCH, {"id": made["batchId"]})

    assert made["jobs"] == []
    assert [r["filename"] for r in made["refused"]] == ["tone.mp3"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert job_ids(mpr_server) == before
