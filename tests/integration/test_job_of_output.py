"""`jobs(outputAssetId:)` finds the job that made an output asset, however many jobs came
after it (the compare view asks for it), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpr.adapters.ffmpeg.samples import make_test_clip
from tests.integration.media import FFMPEG, run_async
from tests.integration.server_fixtures import SERVER_BACKENDS, MprServer

pytestmark = pytest.mark.parametrize(
    "mpr_server", [b for b in SERVER_BACKENDS if b.name in ("sqlite", "postgresql")],
    indirect=True, ids=lambda b: b.name)

CREATE_JOB = """mutation ($a: ID!, $p: ID!, $e: Float!) {
  createJob(input: {sourceAssetId: $a, presetId: $p, trimStart: 0, trimEnd: $e}) { id } }"""
OUTPUT_OF = """query ($id: ID!, $status: String) {
  jobs(outputAssetId: $id, status: $status, limit: 5) { id outputAssetId } }"""
LATER_JOBS = 3


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("job-of-output") / "made.mp4"
    return run_async(make_test_clip(FFMPEG, path, duration=3.0, width=160, height=120))


def test_the_job_of_an_output_is_found_after_later_jobs(mpr_server: MprServer,
                                                        clip: Path) -> None:
    mpr_server.put_input("made.mp4", clip)
    mpr_server.data("mutation { scanMediaFolder { registered } }")
    assets = mpr_server.data('query { assets(location: "input") { id filePath } }')["assets"]
    source = next(a["id"] for a in assets if a["filePath"] == "made.mp4")
    copy = mpr_server.preset_ids()["copy"]
    jobs = [mpr_server.data(CREATE_JOB, {"a": source, "p": copy, "e": 1.0 + n / 2}
                            )["createJob"]["id"] for n in range(1 + LATER_JOBS)]
    ended = [mpr_server.wait_for_job(job) for job in jobs]
    first = ended[0]
    assert first["outputAssetId"], first

    found = mpr_server.data(OUTPUT_OF, {"id": first["outputAssetId"],
                                        "status": "completed"})["jobs"]
    assert [j["id"] for j in found] == [jobs[0]]
    assert found[0]["outputAssetId"] == first["outputAssetId"]
    # a source asset made by no job, and an id no asset has: no job, no error
    assert mpr_server.data(OUTPUT_OF, {"id": source, "status": None})["jobs"] == []
    unknown = "00000000-0000-4000-8000-000000000000"
    assert mpr_server.data(OUTPUT_OF, {"id": unknown, "status": None})["jobs"] == []
    refused = mpr_server.error(OUTPUT_OF, {"id": "not-an-id", "status": None})
    assert refused["extensions"]["code"] == "BAD_USER_INPUT", refused
