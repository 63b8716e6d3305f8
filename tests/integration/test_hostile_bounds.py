"""Issue 11, items 7, 10, 11 and 13: oversized text, sloppy patterns, hostile names and
sources beyond sane limits, against a real `mpr serve` on the filesystem store.

Each attack is refused with BAD_USER_INPUT and a clear message without server paths,
changes nothing, and /health keeps answering within 100 ms meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.health_watch import HealthWatch, health_kept
from tests.integration.media import FFMPEG, make_clip
from tests.integration.server_fixtures import MprServer, running_server

PROPERTIES_LIMIT = 64 * 1024
HUGE_COMMENT = 8 * 1024 * 1024
# the most `assets(limit: 500)` lists one document may hold (20,000 values at 1,000 each)
MOST_ALIASES = 20
LONG_STEM = "é" * 120  # 240 bytes: with "_copy_<id>.mp4" the old default name passed 255
CREATE_JOB = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id status } }"
CREATE_PRESET = "mutation ($input: PresetInput!) { createPreset(input: $input) { id name } }"
UPDATE_PRESET = ("mutation ($id: ID!, $input: PresetInput!) "
                 "{ updatePreset(id: $id, input: $input) { id } }")
UPDATE_ASSET = ("mutation ($id: ID!, $input: UpdateAssetInput!) "
                "{ updateAsset(id: $id, input: $input) { id } }")
STATE = """query {
  assets(limit: 500) { id filePath status comments tags updatedAt }
  jobs(limit: 500) { id status outputPath }
  presets { id name description videoBitrate audioBitrate videoCrf resolution }
}"""
USER_PRESET = {"name": "user-mp4", "container": "mp4", "videoCodec": "libx264",
               "videoBitrate": "2M", "audioCodec": "aac", "audioBitrate": "128k",
               "description": "a user preset"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    """`mpr serve` on SQLite and the filesystem store."""
    data_dir = tmp_path_factory.mktemp("bounds") / "data"
    with running_server("bounds", data_dir, {"MPR_SAMPLES": "false"}) as running:
        yield running


@pytest.fixture(scope="module")
def sources(server: MprServer, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, dict[str, Any]]:
    """Scanned input assets by key: a clip, one with an 8 MB comment, a long name, bad sizes."""
    root = tmp_path_factory.mktemp("bounds-sources")
    files = {
        "clip.mp4": make_clip(root / "clip.mp4", duration=2, width=320, height=240),
        f"{LONG_STEM}.mp4": make_clip(root / "long.mp4", duration=2, width=320, height=240),
        "dot.mkv": frame_sized(root / "dot.mkv", 1, 1),
        "wide.mkv": frame_sized(root / "wide.mkv", 8200, 16),
    }
    for key, path in files.items():
        server.put_input(key, path)
    server.data("mutation { scanMediaFolder { registered } }")
    tagged = with_comment(make_clip(root / "c.mp4", duration=1, width=160, height=120),
                          root / "tagged.mp4", "A" * HUGE_COMMENT)
    server.put_input("tagged.mp4", tagged)
    with watched(server):  # the attack: registering a file with an 8 MB tag
        server.data("mutation { scanMediaFolder { registered } }")
    found = server.data('query { assets(location: "input") { id filePath status } }')
    assets = {a["filePath"]: a for a in found["assets"]}
    assert all(assets[key]["status"] == "ready" for key in [*files, "tagged.mp4"]), assets
    return assets


@pytest.fixture(scope="module")
def user_preset(server: MprServer) -> dict[str, Any]:
    created: dict[str, Any] = server.data(CREATE_PRESET, {"input": USER_PRESET})["createPreset"]
    return created


@contextlib.contextmanager
def watched(server: MprServer, samples: int = 3) -> Iterator[HealthWatch]:
    """health_kept around the block, held open until /health was sampled a few times (a
    refusal answers faster than the watcher's first poll)."""
    with health_kept(server.base_url) as watch:
        yield watch
        deadline = time.monotonic() + 5
        while len(watch.latencies) < samples and time.monotonic() < deadline:
            time.sleep(0.01)


def with_comment(clip: Path, target: Path, comment: str) -> Path:
    """The clip remuxed with a `comment` tag; an FFMETADATA file carries it, as an 8 MB tag
    would not fit in one command-line argument (Linux caps one at 128 KiB)."""
    metadata = target.with_suffix(".ffmeta")
    metadata.write_text(f";FFMETADATA1\ncomment={comment}\n", "utf-8")
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(clip), "-i", str(metadata),
                    "-map", "0", "-map_metadata", "1", "-c", "copy", str(target)], check=True)
    return target


def frame_sized(target: Path, width: int, height: int) -> Path:
    """A one-second lossless (FFV1) video of the given frame size: any size encodes."""
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=red:size=16x16:rate=5:duration=1,scale={width}:{height}",
                    "-c:v", "ffv1", str(target)], check=True)
    return target


def state(server: MprServer) -> tuple[dict[str, Any], list[Path]]:
    """Everything an attack could change: records (in id order) and the output store's files."""
    records = {kind: sorted(rows, key=lambda row: row["id"])
               for kind, rows in server.data(STATE).items()}
    return records, server.output_files()


def assert_refused(server: MprServer, query: str, variables: dict[str, Any],
                   *words: str) -> str:
    """The document fails with BAD_USER_INPUT naming `words`, no server path, no change."""
    before = state(server)
    with watched(server):
        error = server.error(query, variables)
    message: str = error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert str(server.data_dir) not in message
    assert "/tmp/" not in message
    assert state(server) == before
    return message


# Item 7: unbounded stored text


def test_an_8_mb_comment_tag_is_cut_when_the_source_is_registered(
        server: MprServer, sources: dict[str, dict[str, Any]]) -> None:
    asset_id = sources["tagged.mp4"]["id"]

    with watched(server):
        asset = server.data("query ($id: ID!) { asset(id: $id) { properties } }",
                            {"id": asset_id})["asset"]

    properties = asset["properties"]
    comment = properties["format"]["tags"]["comment"]
    assert comment.startswith("AAAA")
    assert comment.endswith("…[truncated]")
    assert len(comment.encode()) <= 1024
    assert properties["truncated"] == {"strings": 1}
    assert [s["codec_type"] for s in properties["streams"]] == ["video", "audio"]
    assert len(json.dumps(properties).encode()) <= PROPERTIES_LIMIT


def test_forty_aliases_of_every_assets_properties_are_refused_and_the_most_allowed_stay_small(
        server: MprServer, sources: dict[str, dict[str, Any]]) -> None:
    def aliases(count: int) -> str:
        fields = " ".join(f"a{n}: assets(limit: 500) {{ properties }}" for n in range(count))
        return f"query {{ {fields} }}"

    with watched(server):
        refused = server.client.post("/graphql", json={"query": aliases(40)})
        allowed = server.client.post("/graphql", json={"query": aliases(MOST_ALIASES)})

    assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert allowed.status_code == 200
    assert "errors" not in allowed.json()
    assert len(allowed.content) <= MOST_ALIASES * len(sources) * PROPERTIES_LIMIT
    assert len(allowed.content) < 2 * 1024 * 1024  # 40 aliases were 320 MB with one 8 MB tag


@pytest.mark.parametrize("description", ["d" * 2_001, "d" * 100_000])
def test_a_huge_preset_description_is_refused(server: MprServer, user_preset: dict[str, Any],
                                              description: str) -> None:
    assert_refused(server, CREATE_PRESET,
                   {"input": {**USER_PRESET, "name": "huge", "description": description}},
                   "preset description: at most 2000 characters")
    assert_refused(server, UPDATE_PRESET,
                   {"id": user_preset["id"], "input": {"description": description}},
                   "preset description: at most 2000 characters")


@pytest.mark.parametrize(("changes", "words"), [
    ({"comments": "x" * 10_001}, ["comments: at most 10000 characters"]),
    ({"comments": "null\u0000byte"}, ["comments must not contain control", "U+0000"]),
    ({"tags": ["ok", "x" * 65]}, ["longer than 64 characters"]),
    ({"tags": ["gpj.\u202eevil.exe"]}, ["control or bidi", "U+202E"]),
    ({"tags": [f"t{n}" for n in range(51)]}, ["at most 50 tags"]),
])
def test_oversized_or_hidden_character_annotations_are_refused(
        server: MprServer, sources: dict[str, dict[str, Any]], changes: dict[str, Any],
        words: list[str]) -> None:
    assert_refused(server, UPDATE_ASSET, {"id": sources["clip.mp4"]["id"], "input": changes},
                   *words)


# Item 10: whole-string patterns


@pytest.mark.parametrize(("changes", "words"), [
    ({"name": "h264-720p\n"}, ["preset name 'h264-720p\\n'"]),
    ({"name": "fresh\n"}, ["preset name 'fresh\\n'"]),
    ({"name": "fresh", "videoBitrate": "1M\n"}, ["video bitrate '1M\\n'"]),
    ({"name": "fresh", "audioBitrate": "128k\n"}, ["audio bitrate '128k\\n'"]),
    ({"name": "fresh", "videoPreset": "fast\n"}, ["video preset 'fast\\n'"]),
    ({"name": "fresh", "resolution": "1280x720\n"}, ["resolution '1280x720\\n'"]),
])
def test_a_trailing_newline_never_passes_a_preset_pattern(
        server: MprServer, changes: dict[str, Any], words: list[str]) -> None:
    assert_refused(server, CREATE_PRESET, {"input": {**USER_PRESET, **changes}}, *words)


# Item 11: output names


@pytest.mark.parametrize(("name", "words"), [
    ("é" * 250 + ".mp4", ["output filename: at most 200 bytes", "504 given"]),
    ("a" * 199, ["output filename: at most 200 bytes"]),
    ("invoice\u202e4pm.mp4", ["control or bidi", "U+202E"]),
    ("left\u2066mark.mp4", ["U+2066"]),
    ("bell\u0007.mp4", ["U+0007"]),
    ("c1\u0085.mp4", ["U+0085"]),
])
def test_an_output_name_too_long_in_bytes_or_with_hidden_characters_is_refused(
        server: MprServer, sources: dict[str, dict[str, Any]], name: str,
        words: list[str]) -> None:
    job = {"sourceAssetId": sources["clip.mp4"]["id"], "outputFilename": name}

    assert_refused(server, CREATE_JOB, {"input": job}, *words)


def test_a_long_source_name_gets_a_default_output_name_that_fits(
        server: MprServer, sources: dict[str, dict[str, Any]]) -> None:
    source = sources[f"{LONG_STEM}.mp4"]["id"]

    with watched(server):
        created = server.data(CREATE_JOB, {"input": {"sourceAssetId": source, "trimEnd": 1}})
    job = server.wait_for_job(created["createJob"]["id"])

    assert len(job["outputFilename"].encode()) <= 200
    assert job["outputFilename"].startswith("é")
    assert server.output_file(job["outputPath"]).is_file()


# Item 13: bitrates and sources beyond sane limits


@pytest.mark.parametrize(("changes", "words"), [
    ({"videoBitrate": "9999999M"}, ["video bitrate '9999999M' must be between 8k and 500M"]),
    ({"videoBitrate": "7k"}, ["between 8k and 500M"]),
    ({"audioBitrate": "2M"}, ["audio bitrate '2M' must be between 8k and 1024k"]),
    ({"videoCodec": "libx264", "videoCrf": 52}, ["CRF for libx264 must be between 0 and 51"]),
])
def test_a_bitrate_or_crf_out_of_bounds_is_refused(server: MprServer,
                                                   changes: dict[str, Any],
                                                   words: list[str]) -> None:
    preset = {**USER_PRESET, "name": "bounded", "videoBitrate": None, **changes}

    assert_refused(server, CREATE_PRESET, {"input": preset}, *words)


@pytest.mark.parametrize(("key", "words"), [
    ("dot.mkv", ["dot.mkv cannot be encoded by preset h264-720p",
                 "its video is 1x1, smaller than 16 px"]),
    ("wide.mkv", ["wide.mkv cannot be encoded by preset h264-720p",
                  "its video is 8200x16, larger than 8192 px"]),
])
def test_a_source_beyond_sane_frame_sizes_is_refused_at_create_job(
        server: MprServer, sources: dict[str, dict[str, Any]], key: str,
        words: list[str]) -> None:
    preset = server.preset_ids()["h264-720p"]
    job = {"sourceAssetId": sources[key]["id"], "presetId": preset}

    assert_refused(server, CREATE_JOB, {"input": job}, *words)
