"""The compare view in Chromium: a job's source and output side by side with their facts, the
players kept in step (a cut's output offset by its start), a ladder played by shaka-player."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.integration.browser_fixtures import ARTIFACTS, BrowserWatch, sign_in
from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer

pytestmark = pytest.mark.slow
JOB = """mutation($input: CreateJobInput!) { createJob(input: $input) { id outputAssetId } }"""
PRESET = """mutation($input: PresetInput!) { createPreset(input: $input) { id } }"""
TOLERANCE = 0.15  # seconds between where a follower is and where it should be
READY = """() => [...document.querySelectorAll('#compare-dialog video')]
  .every((v) => v.readyState >= 2)"""
SEEK = """([side, t]) => { document.querySelector(`#compare-dialog video[data-side=${side}]`)
  .currentTime = t; }"""
AT = """([side, t, tolerance]) => { const v = document.querySelector(
  `#compare-dialog video[data-side=${side}]`);
  return !v.seeking && Math.abs(v.currentTime - t) <= tolerance; }"""
TIMES = """() => Object.fromEntries([...document.querySelectorAll('#compare-dialog video')]
  .map((v) => [v.dataset.side, { t: v.currentTime, paused: v.paused }]))"""


def scan(server: MprServer) -> dict[str, str]:
    server.data("mutation { scanMediaFolder { registered } }")
    assets = server.data('query { assets(location: "input") { id filename } }')["assets"]
    return {a["filename"]: a["id"] for a in assets}


def run_job(server: MprServer, source: str, preset_id: str, **trim: float) -> str:
    job = server.data(JOB, {"input": {"sourceAssetId": scan(server)[source],
                                      "presetId": preset_id, **trim}})["createJob"]["id"]
    server.wait_for_job(job, timeout=90)
    return str(job)


def video(page: Page, side: str) -> Locator:
    return page.locator(f"#compare-dialog video[data-side={side}]")


def seek_and_expect(page: Page, side: str, t: float, other: str, expected: float) -> None:
    page.evaluate(SEEK, [side, t])
    page.wait_for_function(AT, arg=[other, expected, TOLERANCE], timeout=10_000)


def test_a_cut_and_its_source_play_pause_and_seek_together_with_their_facts(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    job = run_job(ui_server, "clip.mp4", ui_server.preset_ids()["h264-480p"],
                  trimStart=1.0, trimEnd=3.5)
    sign_in(page)

    page.locator(f"[data-job='{job}']").get_by_role(
        "button", name="Compare job clip.mp4 to h264-480p").click()

    dialog = page.locator("#compare-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#compare-title")).to_contain_text("against clip.mp4")
    expect(video(page, "source")).to_have_accessible_name("Source player: clip.mp4")
    expect(video(page, "output")).to_have_accessible_name(re.compile(r"^Output player: .+\.mp4$"))
    source_facts = dialog.locator(".compare-side[data-side=source] dl")
    output_facts = dialog.locator(".compare-side[data-side=output] dl")
    expect(source_facts).to_contain_text(re.compile(r"Size\s*[\d.]+ [KM]?B"))
    expect(source_facts).to_contain_text(re.compile(r"Bitrate\s*\d+ kb/s"))
    expect(source_facts).to_contain_text("Resolution320\u00d7180")
    expect(source_facts).to_contain_text("Codecsh264 / aac")
    expect(output_facts).to_contain_text(re.compile(
        r"Size\s*[\d.]+ [KM]?B · [\u2212+±]\d+% vs source \(same span\)"))
    expect(output_facts).to_contain_text(re.compile(r"Bitrate\s*\d+ kb/s"))
    expect(output_facts).to_contain_text("Codecsh264 / aac")
    expect(output_facts).to_contain_text("Cut00:00:01.000 → 00:00:03.500 of the source")
    expect(output_facts).to_contain_text(re.compile(r"Duration\s*00:00:02\.[45]\d\d"))
    page.wait_for_function(READY, timeout=15_000)
    page.wait_for_function(AT, arg=["source", 1.0, TOLERANCE])  # it opens at the cut's start

    seek_and_expect(page, "source", 2.5, "output", 1.5)
    seek_and_expect(page, "output", 0.4, "source", 1.4)
    seek_and_expect(page, "source", 0.2, "output", 0.0)  # before the cut: the output waits
    page.evaluate("() => document.querySelector('#compare-dialog video[data-side=source]').play()")
    page.wait_for_function("() => !document.querySelector("
                           "'#compare-dialog video[data-side=output]').paused", timeout=10_000)
    page.wait_for_timeout(800)
    playing = page.evaluate(TIMES)
    assert not playing["source"]["paused"]
    assert abs(playing["source"]["t"] - 1.0 - playing["output"]["t"]) < 0.35, playing
    page.evaluate("() => document.querySelector('#compare-dialog video[data-side=output]').pause()")
    page.wait_for_function("() => document.querySelector("
                           "'#compare-dialog video[data-side=source]').paused", timeout=5_000)
    paused = page.evaluate(TIMES)  # both stopped on the same frame
    page.wait_for_function(AT, arg=["source", paused["output"]["t"] + 1.0, TOLERANCE])
    page.screenshot(path=str(ARTIFACTS / "compare-view.png"))

    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    page.wait_for_function("() => [...document.querySelectorAll('#compare-dialog video')]"
                           ".every((v) => v.paused && !v.hasAttribute('src'))")
    watch.assert_clean()


def test_an_output_asset_opens_the_compare_view_of_the_job_that_made_it(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    job = run_job(ui_server, "other-take.mp4", ui_server.preset_ids()["copy"])
    output = ui_server.job(job)["outputAssetId"]
    sign_in(page)
    page.goto(f"/?asset={output}")
    page.wait_for_selector("html[data-ready=true]", state="attached")
    expect(page.locator("#editor-title")).to_have_text(ui_server.job(job)["outputFilename"])
    offer = page.get_by_role("button", name=re.compile(r"^Compare .+ with its source$"))

    offer.click()

    expect(page.locator("#compare-title")).to_contain_text("against other-take.mp4")
    page.wait_for_function(READY, timeout=15_000)
    seek_and_expect(page, "output", 1.2, "source", 1.2)  # a whole-file output: no offset
    page.keyboard.press("Escape")
    expect(page.locator("#compare-dialog")).to_be_hidden()
    page.locator("button.asset", has_text="clip.mp4").click()
    expect(page.locator("#editor-title")).to_have_text("clip.mp4")
    expect(offer).to_be_hidden()  # a source has nothing to be compared with
    watch.assert_clean()


def test_a_ladder_output_plays_through_the_streaming_player_beside_its_source(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    preset = ui_server.data(PRESET, {"input": {
        "name": "compare-hls", "container": "hls", "videoCodec": "libx264",
        "videoPreset": "ultrafast", "renditions": "320x180@300k,160x90@100k",
        "audioCodec": "aac", "audioBitrate": "64k"}})["createPreset"]["id"]
    job = run_job(ui_server, "clip.mp4", preset, trimStart=0.5)
    sign_in(page)

    page.locator(f"[data-job='{job}']").get_by_role("button", name=re.compile("^Compare")).click()

    page.wait_for_function(READY, timeout=20_000)
    menu = page.locator(".compare-side[data-side=output] select.renditions")
    expect(menu).to_be_visible()
    expect(menu.locator("option")).to_have_text(["Auto", "180p", "90p"])
    expect(menu).to_have_attribute("data-playing", re.compile(r"^(180|90)$"))  # shaka's variant
    facts = page.locator(".compare-side[data-side=output] dl")
    expect(facts).to_contain_text(re.compile(
        r"Package\s*2 renditions: 320\u00d7180 at \d+ kb/s, 160\u00d790 at \d+ kb/s"))
    expect(facts).not_to_contain_text("Bitrate")  # the manifest's own would mean nothing
    seek_and_expect(page, "source", 2.0, "output", 1.5)
    seek_and_expect(page, "output", 3.0, "source", 3.5)
    page.screenshot(path=str(ARTIFACTS / "compare-view-ladder.png"))
    watch.assert_clean()


def test_a_copy_cut_is_offset_from_the_keyframe_it_really_starts_at(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    job = run_job(ui_server, "clip.mp4", ui_server.preset_ids()["copy"],
                  trimStart=1.0, trimEnd=3.0)
    output = ui_server.data("query($id: ID!) { asset(id: $id) { duration } }",
                            {"id": ui_server.job(job)["outputAssetId"]})["asset"]
    start = max(0.0, 3.0 - output["duration"])  # the extra length is how early it starts
    assert start < 0.9, output  # the clip's keyframes are further apart than the cut's 1 s
    sign_in(page)

    page.locator(f"[data-job='{job}']").get_by_role(
        "button", name="Compare job clip.mp4 to copy").click()

    expect(page.locator(".compare-side[data-side=output] dl")).to_contain_text(
        re.compile(r"Cut00:00:01\.000 → 00:00:03\.000 of the source "
                   r"\(a copy: from the keyframe at 00:00:00\.\d{3}\)"))
    page.wait_for_function(READY, timeout=15_000)
    seek_and_expect(page, "source", 2.5, "output", 2.5 - start)
    seek_and_expect(page, "output", 0.5, "source", 0.5 + start)
    watch.assert_clean()


HOSTILE = '<img src=x onerror="window.owned=1">.mp4'


def test_a_hostile_file_name_is_shown_as_text_in_the_compare_view(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    make_clip(ui_server.media_in / HOSTILE, duration=1, width=160, height=90)
    job = run_job(ui_server, HOSTILE, ui_server.preset_ids()["copy"])
    sign_in(page)

    page.locator(f"[data-job='{job}']").get_by_role("button", name=re.compile("^Compare")).click()

    dialog = page.locator("#compare-dialog")
    expect(dialog.locator(".compare-side[data-side=source] h3")).to_have_text(f"Source: {HOSTILE}")
    expect(video(page, "source")).to_have_accessible_name(f"Source player: {HOSTILE}")
    expect(dialog.locator("img")).to_have_count(0)
    assert page.evaluate("window.owned") is None
    watch.assert_clean()
