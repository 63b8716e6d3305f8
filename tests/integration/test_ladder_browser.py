"""Ladders played in Chromium by the Timeline UI's streaming player (shaka-player), from the
filesystem store and from S3 (moto): HLS with MPEG-TS segments and CMAF through its DASH MPD."""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.integration.browser_fixtures import ADMIN_PASSWORD, ADMIN_USER, BrowserWatch, sign_in
from tests.integration.ladder_checks import ffprobe_streams as lc_streams
from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer, running_server

pytestmark = pytest.mark.slow

RUNGS = "640x360@500k,426x240@250k"
SOURCE = "ladder-source.mp4"
JOB = """mutation($input: CreateJobInput!) { createJob(input: $input) { id } }"""
PRESET = """mutation($input: PresetInput!) { createPreset(input: $input) { id } }"""
# Back to 1 s and paused before a switch (a quick player may have played the whole 12 s
# while the test waited for the buffer); the switch then shows in the frames played after it.
REWIND = """() => new Promise((resolve) => { const v = document.querySelector('#output-player');
  v.pause(); v.addEventListener('seeked', resolve, { once: true }); v.currentTime = 1; })"""
PLAY = "() => document.querySelector('#output-player').play()"
BUFFERED = """() => { const v = document.querySelector('#output-player');
  return v.buffered.length > 0 && v.buffered.end(v.buffered.length - 1) >= 5; }"""


@pytest.fixture(scope="module", params=["filesystem", "s3"])
def ladder_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[MprServer]:
    """`mpr serve` on one store with a 12 s source and a finished job of each ladder kind."""
    data_dir = tmp_path_factory.mktemp(f"ladder-ui-{request.param}")
    env = {"MPR_SAMPLES": "false", "MPR_ADMIN_USERNAME": ADMIN_USER,
           "MPR_ADMIN_PASSWORD": ADMIN_PASSWORD, "MPR_WORKER_CONCURRENCY": "1"}
    if request.param == "s3":
        env.update(request.getfixturevalue("s3_server_env"))
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(running_server(f"ladder-{request.param}", data_dir, env))
        clip = make_clip(tmp_path_factory.mktemp("ladder-clip") / SOURCE, duration=12,
                         width=640, height=360)
        server.put_input(SOURCE, clip)
        yield server


@pytest.fixture(scope="module")
def stream_urls(ladder_server: MprServer) -> dict[str, str]:
    """Each ladder kind's job, run to completion: its streamUrl."""
    ladder_server.data("mutation { scanMediaFolder { registered } }")
    (asset,) = ladder_server.data("query { assets { id filename } }")["assets"]
    urls = {}
    for container in ("hls", "cmaf"):
        preset = ladder_server.data(PRESET, {"input": {
            "name": f"ui-{container}", "container": container, "videoCodec": "libx264",
            "videoPreset": "ultrafast", "renditions": RUNGS, "audioCodec": "aac",
            "audioBitrate": "64k"}})["createPreset"]["id"]
        job = ladder_server.data(JOB, {"input": {"sourceAssetId": asset["id"],
                                                 "presetId": preset}})["createJob"]["id"]
        ladder_server.wait_for_job(job, timeout=120)
        done = ladder_server.data("query($id: ID!) { job(id: $id) { id streamUrl } }",
                                  {"id": job})["job"]
        urls[container] = done["streamUrl"]
        urls[f"{container}-job"] = done["id"]
    return urls


STATE = """() => { const v = document.querySelector('#output-player');
  const ranges = Array.from({ length: v.buffered.length },
                            (_, i) => [v.buffered.start(i), v.buffered.end(i)]);
  return { t: v.currentTime, paused: v.paused, ended: v.ended, height: v.videoHeight,
           ready: v.readyState, ranges, error: v.dataset.playerError || null,
           playing: document.querySelector('#output-renditions').dataset.playing }; }"""


def wait_until(page: Page, condition: str, what: str) -> None:
    """Wait for a condition on the page; on timeout, say what the player was doing."""
    try:
        page.wait_for_function(condition, timeout=30_000)
    except PlaywrightTimeout:
        pytest.fail(f"{what} did not happen; player: {page.evaluate(STATE)}")


def height_is(height: int) -> str:
    return f"() => document.querySelector('#output-player').videoHeight === {height}"


def switch_to(page: Page, height: int) -> None:
    """Pick a height in the menu and replay from 1 s until frames of that height show.

    On a loaded host the player sometimes plays out what it had buffered before the new
    rendition's segments arrive: then the second replay shows them."""
    page.evaluate(REWIND)
    page.select_option("#output-renditions", str(height))
    for attempt in (1, 2):
        page.evaluate(PLAY)
        try:
            page.wait_for_function(height_is(height), timeout=20_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                pytest.fail(f"the switch to {height}p did not show; player: "
                            f"{page.evaluate(STATE)}")
            page.evaluate(REWIND)


@pytest.fixture
def watch(ladder_server: MprServer) -> BrowserWatch:
    return BrowserWatch(ladder_server.base_url)


def test_the_stream_urls_name_each_kind_of_manifest(stream_urls: dict[str, str],
                                                    ladder_server: MprServer) -> None:
    hls = ladder_server.client.get(stream_urls["hls"])
    dash = ladder_server.client.get(stream_urls["cmaf"])

    assert stream_urls["hls"].endswith(".m3u8")
    assert stream_urls["cmaf"].endswith(".mpd")
    assert hls.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    assert dash.headers["content-type"].startswith("application/dash+xml")
    segment = ladder_server.client.get(stream_urls["hls"].rpartition("/")[0] + "/240p_00000.ts")
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "video/mp2t"


@pytest.mark.parametrize("kind", ["hls", "cmaf"])
def test_a_ladder_plays_buffers_and_switches_rendition(
        page: Page, watch: BrowserWatch, stream_urls: dict[str, str], kind: str) -> None:
    sign_in(page)
    job = page.locator(f".job[data-job='{stream_urls[f'{kind}-job']}']")
    job.get_by_role("button", name="Play").click()
    menu = page.locator("#output-renditions")

    expect(menu).to_be_visible()
    expect(menu.locator("option")).to_have_text(["Auto", "360p", "240p"])
    wait_until(page, BUFFERED, "5 s buffered")

    switch_to(page, 240)

    expect(menu).to_have_attribute("data-playing", "240")
    player = page.locator("#output-player")
    assert player.get_attribute("data-player-error") is None
    assert page.evaluate("() => document.querySelector('#output-player').error") is None
    switch_to(page, 360)
    assert page.evaluate("() => typeof window.shaka") == "object"
    watch.assert_clean()


def test_the_streaming_player_is_loaded_only_when_a_ladder_plays(
        page: Page, watch: BrowserWatch, stream_urls: dict[str, str]) -> None:
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if "shaka" in r.url else None)
    sign_in(page)
    page.locator("button.asset", has_text=SOURCE).click()
    page.wait_for_function("() => document.querySelector('#player').readyState >= 1")

    assert scripts == []
    assert page.evaluate("() => typeof window.shaka") == "undefined"
    assert watch.console_errors == []  # (from S3 the file itself is a presigned redirect)
    assert watch.page_errors == []


def test_the_storyboard_is_one_sprite_sheet_and_a_webvtt_of_its_tiles(
        ladder_server: MprServer, stream_urls: dict[str, str], tmp_path: Path) -> None:
    assets = ladder_server.data("query { assets { filename storyboardUrl } }")["assets"]
    url = next(a["storyboardUrl"] for a in assets if a["filename"] == SOURCE)

    vtt = ladder_server.client.get(url)
    sprite = ladder_server.client.get(url.replace(".vtt", ".jpg"))
    assert sprite.status_code == 200, sprite.text
    again = ladder_server.client.get(url.replace(".vtt", ".jpg"))

    assert vtt.headers["content-type"].startswith("text/vtt")
    lines = vtt.text.splitlines()
    assert lines[0] == "WEBVTT"
    cues = [line for line in lines if "-->" in line]
    assert cues[0] == "00:00:00.000 --> 00:00:01.000"
    assert len(cues) == 12  # one tile a second over the 12 s source
    assert lines[lines.index(cues[11]) + 1] == "storyboard.jpg#xywh=160,90,160,90"
    assert sprite.headers["content-type"] == "image/jpeg"
    assert again.content == sprite.content  # made once, then served from the cache
    path = tmp_path / "sprite.jpg"
    path.write_bytes(sprite.content)
    (stream,) = lc_streams(path)
    assert (stream["width"], stream["height"]) == (1600, 180)  # 10 columns, 2 rows of 160x90


def test_the_timeline_strip_and_hover_preview_use_the_storyboard(
        page: Page, watch: BrowserWatch, stream_urls: dict[str, str]) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in(page)
    page.locator("button.asset", has_text=SOURCE).click()
    tiles = page.locator(".strip .tile")

    expect(tiles.first).to_be_attached()
    # the player's metadata sizes the video above the track: measure the track after it
    page.wait_for_function("() => document.querySelector('#player').readyState >= 1")
    track = page.locator(".track").bounding_box()
    assert track is not None
    page.mouse.move(track["x"] + track["width"] * 0.9, track["y"] + track["height"] / 2,
                    steps=4)
    preview = page.locator(".track .preview")

    expect(preview).to_be_visible()
    assert "storyboard.jpg" in (preview.evaluate("e => e.style.backgroundImage") or "")
    expect(preview).to_have_attribute("data-tile", "0,90")  # 10.8 s: tile 10, starting row 2
    assert "storyboard.jpg" in tiles.first.evaluate("e => e.style.backgroundImage")
    posters = {a["posterUrl"] for a in page.evaluate(
        "async () => (await (await fetch('/graphql', {method: 'POST', headers: "
        "{'Content-Type': 'application/json'}, body: JSON.stringify({query: "
        "'{ assets { posterUrl } }'})})).json()).data.assets")}
    strip = [u for u in requests if "/thumbnail" in u and u.removeprefix(watch.base_url)
             not in posters]  # the list's posters are not the strip's thumbnails
    assert strip == []
    assert len([u for u in requests if u.endswith("/storyboard.jpg")]) == 1
    assert watch.console_errors == []
    assert watch.page_errors == []


def test_the_package_route_serves_only_members_of_the_package(
        ladder_server: MprServer, stream_urls: dict[str, str]) -> None:
    package = stream_urls["hls"].rpartition("/")[0]
    asset_id = package.split("/")[3]
    assets = ladder_server.data("query { assets { id filename } }")["assets"]
    source_id = next(a["id"] for a in assets if a["filename"] == SOURCE)
    get = ladder_server.client.get

    redirect = get(f"/media/assets/{asset_id}", follow_redirects=False)

    assert redirect.status_code == 307
    assert redirect.headers["location"] == stream_urls["hls"]
    for hostile in ("%2e%2e/%2e%2e/in/" + SOURCE, "..%2f" + SOURCE, ".hidden",
                    "nothing-here.ts", "%2fetc%2fpasswd"):
        response = get(f"{package}/{hostile}")
        assert response.status_code in (400, 404), (hostile, response.status_code)
    assert get(f"/media/assets/{source_id}/package/{SOURCE}").status_code == 404
    ranged = get(f"{package}/240p_00000.ts", headers={"Range": "bytes=0-187"})
    assert ranged.status_code == 206
    assert ranged.content[0] == 0x47  # an MPEG-TS sync byte


@pytest.mark.parametrize("kind", ["hls", "cmaf"])
def test_downloading_a_ladder_gives_one_zip_of_its_whole_package(
        ladder_server: MprServer, stream_urls: dict[str, str], kind: str) -> None:
    package = stream_urls[kind].rpartition("/")[0]
    asset_id = package.split("/")[3]
    asset = ladder_server.data("query($id: ID!) { asset(id: $id) { fileSize filePath } }",
                               {"id": asset_id})["asset"]
    main = asset["filePath"].rpartition("/")[2]  # the HLS master (CMAF streams its MPD)
    folder = asset["filePath"].rpartition("/")[0].rpartition("/")[2]

    response = ladder_server.client.get(f"/media/assets/{asset_id}?download=1")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment")
    assert f"{folder}.zip" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None  # every member's CRC checks
        names = archive.namelist()
        members = {name.removeprefix(f"{folder}/"): archive.read(name) for name in names}
    assert all(name.startswith(f"{folder}/") for name in names)
    assert names[-1] == f"{folder}/{main}"  # the main object last, as it is stored
    assert sum(map(len, members.values())) == asset["fileSize"]  # the whole package
    for path in (main, *[p for p in members if p.endswith((".ts", ".m4s", ".mp4"))][:3]):
        served = ladder_server.client.get(f"{package}/{path}")
        assert served.content == members[path], path
    anonymous = httpx.get(f"{ladder_server.base_url}/media/assets/{asset_id}?download=1")
    assert anonymous.status_code in (401, 403)
    assert anonymous.headers["content-type"] != "application/zip"
