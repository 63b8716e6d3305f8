"""End to end over HTTP: bad input gets a clear GraphQL error with a code and changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.media import make_clip, write_corrupt
from tests.integration.server_fixtures import MprServer

CLIP_SECONDS = 2.0
LONG_SECONDS = 40
FAKE = str(uuid.UUID(int=42))
MALFORMED = "not-a-uuid"
CREATE_JOB = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id status } }"
ASSET_FIELDS = "id filePath status comments tags updatedAt"
JOB_FIELDS = "id status attempts outputPath"
STATE = f"""query {{
  assets(limit: 500) {{ {ASSET_FIELDS} }}
  jobs(limit: 500) {{ {JOB_FIELDS} }}
}}"""
# Every document that names one entity by id, with the kind of entity it names.
BY_ID = {
    "asset": ("query ($id: ID!) { asset(id: $id) { id } }", "asset"),
    "job": ("query ($id: ID!) { job(id: $id) { id } }", "job"),
    "preset": ("query ($id: ID!) { preset(id: $id) { id } }", "preset"),
    "cancelJob": ("mutation ($id: ID!) { cancelJob(id: $id) { id } }", "job"),
    "retryJob": ("mutation ($id: ID!) { retryJob(id: $id) { id } }", "job"),
    "updateAsset": ('mutation ($id: ID!) { updateAsset(id: $id, input: { comments: "x" }) '
                    "{ id } }", "asset"),
    "deleteAsset": ("mutation ($id: ID!) { deleteAsset(id: $id) { ok } }", "asset"),
}


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """One worker, so a second job stays pending while the first runs."""
    return {"MPR_WORKER_CONCURRENCY": "1"}


@pytest.fixture(scope="module")
def assets(mpr_server: MprServer, tmp_path_factory: pytest.TempPathFactory
           ) -> dict[str, dict[str, Any]]:
    """A few scanned input assets by key: clips, an audio file and a corrupt file."""
    root = tmp_path_factory.mktemp("bad-input-sources")
    clip = make_clip(root / "clip.mp4", duration=CLIP_SECONDS, width=320, height=240)
    sources = {"clip.mp4": clip, "deletable.mp4": clip,
               "long.mp4": make_clip(root / "long.mp4", duration=LONG_SECONDS, fps=30),
               "tone.mp3": make_clip(root / "tone.mp3", duration=CLIP_SECONDS, video=False),
               "corrupt.mp4": write_corrupt(root / "corrupt.mp4")}
    for key, path in sources.items():
        mpr_server.put_input(key, path)
    mpr_server.data("mutation { scanMediaFolder { registered } }")
    found = mpr_server.data(f'query {{ assets(location: "input") {{ {ASSET_FIELDS} }} }}')
    return {a["filePath"]: a for a in found["assets"]}


@pytest.fixture(scope="module")
def completed_job(mpr_server: MprServer, assets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    created = mpr_server.data(CREATE_JOB, {"input": {"sourceAssetId": assets["clip.mp4"]["id"],
                                                     "trimEnd": 1.0}})
    return mpr_server.wait_for_job(created["createJob"]["id"])


@pytest.fixture(scope="module")
def busy_jobs(mpr_server: MprServer, assets: dict[str, dict[str, Any]]
              ) -> Iterator[tuple[str, str]]:
    """(processing, pending): a long encode on long.mp4 and a job queued behind it."""
    preset = mpr_server.preset_ids()["h265-1080p"]
    source = assets["long.mp4"]["id"]
    ids = [mpr_server.data(CREATE_JOB, {"input": {"sourceAssetId": source, "presetId": preset}}
                           )["createJob"]["id"] for _ in range(2)]
    mpr_server.wait_for_job(ids[0], "processing", timeout=30)
    assert mpr_server.job(ids[1])["status"] == "pending"
    yield ids[0], ids[1]
    for job_id in ids:
        mpr_server.graphql("mutation ($id: ID!) { cancelJob(id: $id) { id } }", {"id": job_id})


def state(server: MprServer) -> dict[str, Any]:
    """Everything a bad request must leave unchanged (the assets and the jobs)."""
    return server.data(STATE)


def assert_refused(server: MprServer, query: str, variables: dict[str, Any] | None,
                   code: str, *words: str) -> str:
    """The document fails with the code and a clear message naming the words; nothing changed."""
    before = state(server)

    error = server.error(query, variables)

    message: str = error["message"]
    assert error.get("extensions", {}).get("code") == code, error
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "Traceback" not in message
    assert 'File "' not in message
    assert "internal error" not in message
    assert state(server) == before
    return message


@pytest.mark.parametrize("field", list(BY_ID))
def test_an_unknown_id_is_not_found(mpr_server: MprServer, assets: dict[str, Any],
                                    field: str) -> None:
    query, kind = BY_ID[field]

    assert_refused(mpr_server, query, {"id": FAKE}, "NOT_FOUND", kind, FAKE, "not found")


@pytest.mark.parametrize("field", list(BY_ID))
def test_a_malformed_id_is_bad_input(mpr_server: MprServer, assets: dict[str, Any],
                                     field: str) -> None:
    query, kind = BY_ID[field]

    assert_refused(mpr_server, query, {"id": MALFORMED}, "BAD_USER_INPUT", MALFORMED,
                   f"valid {kind} id")


@pytest.mark.parametrize("query", [
    'query { assets(status: "bogus") { id } }',
    'query { jobs(status: "bogus") { id } }',
])
def test_an_invalid_status_filter_lists_the_valid_ones(mpr_server: MprServer,
                                                       assets: dict[str, Any],
                                                       query: str) -> None:
    assert_refused(mpr_server, query, None, "BAD_USER_INPUT", "'bogus'", "pending")


@pytest.mark.parametrize(("start", "end", "words"), [
    (0.0, CLIP_SECONDS + 1, ("trimEnd", "outside the media")),
    (CLIP_SECONDS + 0.5, None, ("trimStart", "outside the media")),
    (1.5, 0.5, ("trimStart 1.5 must be before trimEnd 0.5",)),
    (1.0, 1.0, ("must be before",)),
    (-1.0, 1.0, ("trimStart -1.0 is negative",)),
    (None, -1.0, ("trimEnd",)),
], ids=["end-past-media", "start-past-media", "reversed", "empty", "negative-start",
        "negative-end"])
def test_a_bad_trim_is_refused(mpr_server: MprServer, assets: dict[str, dict[str, Any]],
                               start: float | None, end: float | None,
                               words: tuple[str, ...]) -> None:
    job = {"sourceAssetId": assets["clip.mp4"]["id"], "trimStart": start, "trimEnd": end}

    assert_refused(mpr_server, CREATE_JOB, {"input": job}, "BAD_USER_INPUT", *words)


def test_a_job_on_an_asset_in_error_is_refused(mpr_server: MprServer,
                                               assets: dict[str, dict[str, Any]]) -> None:
    corrupt = assets["corrupt.mp4"]
    preset = mpr_server.preset_ids()["h264-480p"]
    job = {"sourceAssetId": corrupt["id"], "presetId": preset}

    assert corrupt["status"] == "error"
    message = assert_refused(mpr_server, CREATE_JOB, {"input": job}, "BAD_USER_INPUT",
                             "corrupt.mp4", "not ready")
    assert corrupt["id"] not in message  # named as people know it, not by its UUID


def test_a_video_preset_on_an_audio_file_is_refused(mpr_server: MprServer,
                                                    assets: dict[str, dict[str, Any]]) -> None:
    preset = mpr_server.preset_ids()["h264-480p"]
    job = {"sourceAssetId": assets["tone.mp3"]["id"], "presetId": preset}

    assert_refused(mpr_server, CREATE_JOB, {"input": job}, "BAD_USER_INPUT", "h264-480p",
                   "has none")


@pytest.mark.parametrize("action", ["cancelJob", "retryJob"])
def test_a_completed_job_cannot_be_cancelled_or_retried(mpr_server: MprServer,
                                                        completed_job: dict[str, Any],
                                                        action: str) -> None:
    query = f"mutation ($id: ID!) {{ {action}(id: $id) {{ id }} }}"

    assert_refused(mpr_server, query, {"id": completed_job["id"]}, "INVALID_TRANSITION",
                   completed_job["id"], "completed", action.removesuffix("Job"))


def test_update_asset_comments_round_trip(mpr_server: MprServer,
                                          assets: dict[str, dict[str, Any]]) -> None:
    asset_id, comments = assets["clip.mp4"]["id"], "Best take — keep 日本"
    seed = f'mutation {{ updateAsset(id: "{asset_id}", input: {{ comments: "{comments}" }}) ' \
           "{ id comments } }"

    updated = mpr_server.data(seed)["updateAsset"]

    assert updated == {"id": asset_id, "comments": comments}
    reread = mpr_server.data("query ($id: ID!) { asset(id: $id) { comments } }",
                             {"id": asset_id})
    assert reread["asset"]["comments"] == comments


def test_delete_asset_removes_the_record_and_leaves_the_input_store_alone(
        mpr_server: MprServer, assets: dict[str, dict[str, Any]]) -> None:
    asset_id = assets["deletable.mp4"]["id"]
    before = mpr_server.input_bytes("deletable.mp4")
    assert before is not None

    deleted = mpr_server.data(f'mutation {{ deleteAsset(id: "{asset_id}") {{ ok }} }}')

    assert deleted["deleteAsset"] == {"ok": True}
    assert mpr_server.input_bytes("deletable.mp4") == before  # MPR never writes the input store
    error = mpr_server.error("query ($id: ID!) { asset(id: $id) { id } }", {"id": asset_id})
    assert error["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("which", ["processing", "pending"])
def test_an_active_job_cannot_be_retried(mpr_server: MprServer, busy_jobs: tuple[str, str],
                                         which: str) -> None:
    job_id = busy_jobs[0] if which == "processing" else busy_jobs[1]
    query = "mutation ($id: ID!) { retryJob(id: $id) { id } }"

    assert_refused(mpr_server, query, {"id": job_id}, "INVALID_TRANSITION", job_id, which,
                   "retry")


def test_an_asset_with_active_jobs_cannot_be_deleted(mpr_server: MprServer,
                                                     assets: dict[str, dict[str, Any]],
                                                     busy_jobs: tuple[str, str]) -> None:
    asset_id = assets["long.mp4"]["id"]
    query = "mutation ($id: ID!) { deleteAsset(id: $id) { ok } }"

    message = assert_refused(mpr_server, query, {"id": asset_id}, "CONFLICT", "long.mp4",
                             "cancel")
    assert asset_id not in message

    assert mpr_server.input_bytes("long.mp4") is not None
