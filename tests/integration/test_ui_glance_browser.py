"""Media at a glance (issue 18) in a real browser: posters in the asset list, fetched only
for rows on screen; an audio asset's waveform drawn under the timeline's handles."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.integration.browser_fixtures import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    ARTIFACTS,
    BrowserWatch,
    sign_in,
)
from tests.integration.media import make_clip, tone_then_silence, write_corrupt
from tests.integration.server_fixtures import MprServer, running_server

pytestmark = pytest.mark.slow
TAKES = 30  # video rows: far more than the list shows at once


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    """`mpr serve` with one audio file, many short videos and one whose file went bad after
    its scan (its poster cannot be made), all registered."""
    data_dir = tmp_path_factory.mktemp("mpr-glance")
    media = data_dir / "media" / "in"
    take = make_clip(media / "take-00.mp4", duration=1, width=160, height=90)
    for n in range(1, TAKES):
        shutil.copyfile(take, media / f"take-{n:02}.mp4")
    tone_then_silence(media / "z-tone.wav")
    shutil.copyfile(take, media / "z-spoiled.mp4")
    write_corrupt(media / "z-broken.mp3")  # registered as an error: no codecs at all
    env = {"MPR_SAMPLES": "false", "MPR_ADMIN_USERNAME": ADMIN_USER,
           "MPR_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with running_server("glance", data_dir, env) as server:
        server.data("mutation { scanMediaFolder { registered } }")
        write_corrupt(media / "z-spoiled.mp4")  # ready, but no frame can be read any more
        yield server


def assets(server: MprServer) -> dict[str, dict[str, Any]]:
    found = server.data("query { assets(limit: 200) { id filename posterUrl waveformUrl } }")
    return {a["filename"]: a for a in found["assets"]}


@pytest.fixture(autouse=True)
def spoiled_poster_refused(ui_server: MprServer, watch: BrowserWatch) -> None:
    """The spoiled video's poster is refused (503) wherever its row shows: not a bug."""
    watch.expect_refusal(assets(ui_server)["z-spoiled.mp4"]["posterUrl"])


def poster_of(page: Page, name: str) -> Any:
    return page.locator("button.asset", has_text=name).locator(".asset-poster")


def loaded_posters(page: Page) -> list[str]:
    """The file names of the rows whose poster image has arrived and decoded."""
    return page.evaluate("""() => [...document.querySelectorAll("button.asset")]
        .filter((b) => b.querySelector("img.asset-poster")?.naturalWidth > 0)
        .map((b) => b.querySelector(".asset-name").textContent)""")


def rows_in_view(page: Page) -> list[str]:
    """The file names of the rows whose poster shows: inside the list's scroll area, and
    inside the window (the list may reach below it)."""
    return page.evaluate("""() => {
        const list = document.querySelector("#asset-list").getBoundingClientRect();
        const [top, bottom] = [Math.max(list.top, 0), Math.min(list.bottom, innerHeight)];
        return [...document.querySelectorAll("button.asset")].filter((b) => {
            const row = b.querySelector(".asset-poster").getBoundingClientRect();
            return row.bottom > top && row.top < bottom;
        }).map((b) => b.querySelector(".asset-name").textContent);
    }""")


def test_posters_are_fetched_for_rows_on_screen_and_follow_the_scroll(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    thumbnails: list[Request] = []
    page.on("request", lambda r: thumbnails.append(r) if "/thumbnail" in r.url else None)

    sign_in(page)
    visible = [n for n in rows_in_view(page) if n.startswith("take-")]
    for name in visible:
        expect(poster_of(page, name)).to_have_js_property("naturalWidth", 96, timeout=30_000)
    first_screen = len(thumbnails)
    page.screenshot(path=str(ARTIFACTS / "glance-poster-list.png"))
    page.locator("button.asset", has_text="take-00.mp4").scroll_into_view_if_needed()
    expect(poster_of(page, "take-00.mp4")).to_have_js_property("naturalWidth", 96,
                                                                timeout=30_000)

    assert "take-00.mp4" not in visible
    assert set(visible) <= set(loaded_posters(page))
    assert len(visible) <= first_screen < TAKES // 2  # a row or two past the edge, never all
    assert "take-00.mp4" in loaded_posters(page)
    assert len(thumbnails) > first_screen
    tone = page.locator("button.asset", has_text="z-tone.wav")
    expect(tone.locator(".asset-poster.audio svg")).to_have_count(1)
    expect(tone.locator("svg")).to_have_attribute("aria-hidden", "true")
    expect(tone.locator("img")).to_have_count(0)
    watch.assert_clean()


def test_a_poster_that_cannot_be_made_leaves_an_empty_frame_in_line_with_the_others(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    sign_in(page)
    names = page.locator(".asset-name")

    frame = poster_of(page, "z-spoiled.mp4")
    expect(frame).to_have_attribute("data-failed", "true", timeout=30_000)
    expect(frame).to_have_js_property("tagName", "SPAN")  # no image left to show a glyph
    expect(page.locator("button.asset", has_text="z-spoiled.mp4").locator("img")
           ).to_have_count(0)
    expect(poster_of(page, "z-broken.mp3")).to_have_js_property("tagName", "SPAN")
    starts = {round(box["x"]) for box in
              (names.nth(i).bounding_box() for i in range(5)) if box is not None}
    assert len(starts) == 1  # spoiled, broken, audio and video rows: names in one column
    page.locator("button.asset", has_text="z-spoiled.mp4").screenshot(
        path=str(ARTIFACTS / "glance-poster-failed.png"))
    watch.assert_clean()


def column_extent(page: Page, fraction: float) -> dict[str, float]:
    """The painted rows of the waveform canvas's pixel column at `fraction` of its width."""
    return page.evaluate("""(fraction) => {
        const canvas = document.querySelector("canvas.waveform");
        const x = Math.floor(canvas.width * fraction);
        const column = canvas.getContext("2d").getImageData(x, 0, 1, canvas.height).data;
        let painted = 0;
        for (let y = 0; y < canvas.height; y++) if (column[y * 4 + 3] > 0) painted++;
        return {painted, height: canvas.height};
    }""", fraction)


def test_an_audio_asset_shows_its_waveform_under_the_trim_handles(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    modules: list[str] = []
    page.on("request", lambda r: modules.append(r.url) if r.url.endswith(".js") else None)
    sign_in(page)
    before = [m for m in modules if m.endswith("/waveform.js")]

    page.locator("button.asset", has_text="z-tone.wav").click()

    expect(page.locator("canvas.waveform")).to_have_attribute("data-state", "drawn")
    loud, quiet = column_extent(page, 0.25), column_extent(page, 0.75)
    assert before == []
    assert [m for m in modules if m.endswith("/waveform.js")] != []
    assert loud["painted"] > 0.8 * loud["height"]  # the tone, scaled to the loudest peak
    assert 0 < quiet["painted"] <= 3  # silence: a hairline
    handle = page.locator(".handle.out").bounding_box()
    assert handle is not None
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).className",
                           [handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2])
    assert on_top == "handle out"
    page.locator("#in-time").fill("00:00:01.000")
    page.locator("#in-time").press("Enter")
    page.locator("#timeline").screenshot(path=str(ARTIFACTS / "glance-waveform-audio.png"))
    watch.assert_clean()


def test_a_video_shows_its_audio_waveform_at_the_foot_of_the_strip(
        page: Page, watch: BrowserWatch) -> None:
    sign_in(page)

    page.locator("button.asset", has_text="take-00.mp4").click()

    expect(page.locator("canvas.waveform")).to_have_attribute("data-state", "drawn")
    expect(page.locator(".strip > *")).not_to_have_count(0)
    strip, wave = page.locator(".strip").bounding_box(), page.locator("canvas.waveform"
                                                                      ).bounding_box()
    assert strip is not None
    assert wave is not None
    assert wave["height"] < strip["height"] * 0.5
    assert wave["y"] + wave["height"] == pytest.approx(strip["y"] + strip["height"], abs=1)
    page.locator("#timeline").screenshot(path=str(ARTIFACTS / "glance-waveform-video.png"))
    watch.assert_clean()
