"""The Timeline UI in a real browser: pick, trim, transcode, watch, play, cancel, annotate."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.integration.browser_fixtures import BrowserWatch, sign_in
from tests.integration.server_fixtures import MprServer

pytestmark = pytest.mark.slow


def open_timeline(page: Page) -> None:
    """Open / (signing in) and register the clips with the Scan button."""
    sign_in(page)
    page.get_by_role("button", name="Scan").click()
    expect(page.locator("#scan-result")).to_contain_text("Found 3")
    expect(page.locator("button.asset")).to_have_count(3)


def pick(page: Page, filename: str) -> None:
    page.locator("button.asset", has_text=filename).click()
    expect(page.locator("#editor-title")).to_have_text(filename)
    page.wait_for_function("() => document.querySelector('#player').readyState >= 1")


def drag_handle(page: Page, handle: str, fraction: float) -> None:
    """Drag the in or out handle to a fraction of the track's width."""
    track = page.locator(".track").bounding_box()
    grip = page.locator(f".handle.{handle}").bounding_box()
    assert track is not None
    assert grip is not None
    page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] * fraction, grip["y"] + 10, steps=8)
    page.mouse.up()


def test_trims_by_dragging_and_typing_then_transcodes_and_plays_the_output(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    open_timeline(page)
    pick(page, "clip.mp4")
    expect(page.locator(".strip > *")).not_to_have_count(0)
    drag_handle(page, "in", 0.25)
    page.fill("#out-time", "00:00:03.250")
    page.press("#out-time", "Enter")
    page.select_option("#preset", label="h264-480p")

    page.get_by_role("button", name="Create job").click()

    job = page.locator(".job").first
    expect(job).to_have_attribute("data-status", "completed", timeout=60_000)
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    expect(job.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(job.locator(".job-progress")).to_have_text("100%")
    stored = ui_server.job(str(job.get_attribute("data-job")))
    assert stored["trimStart"] == pytest.approx(1.0, abs=0.1)
    assert stored["trimEnd"] == pytest.approx(3.25)
    job.get_by_role("button", name="Play").click()
    page.wait_for_function("() => document.querySelector('#output-player').currentTime > 0.2")
    duration = page.evaluate("document.querySelector('#output-player').duration")
    assert duration == pytest.approx(2.25, abs=0.2)
    watch.assert_clean()


def test_cancels_a_long_job_from_the_ui(page: Page, ui_server: MprServer,
                                        watch: BrowserWatch) -> None:
    open_timeline(page)
    pick(page, "long.mp4")
    page.select_option("#preset", label="h265-1080p")
    page.get_by_role("button", name="Create job").click()
    job = page.locator(".job").first
    expect(job).to_have_attribute("data-status", "processing", timeout=30_000)
    expect(job.locator(".job-progress")).not_to_have_text("0%", timeout=30_000)  # live progress

    job.get_by_role("button", name="Cancel").click()

    expect(job).to_have_attribute("data-status", "cancelled")
    assert ui_server.job(str(job.get_attribute("data-job")))["status"] == "cancelled"
    expect(job.get_by_role("button", name="Retry")).to_be_visible()
    watch.assert_clean()


def test_follows_jobs_by_polling_when_websockets_are_refused(page: Page,
                                                             watch: BrowserWatch) -> None:
    page.route_web_socket("**/graphql", lambda socket: socket.close())
    open_timeline(page)
    pick(page, "other-take.mp4")
    page.select_option("#preset", label="copy")

    page.get_by_role("button", name="Create job").click()

    expect(page.locator("#connection")).to_have_text("polling")
    expect(page.locator(".job").first).to_have_attribute("data-status", "completed")
    watch.assert_clean()


def test_keyboard_nudges_the_in_point_and_sets_the_out_point_at_the_playhead(
        page: Page, watch: BrowserWatch) -> None:
    open_timeline(page)
    pick(page, "clip.mp4")
    handle = page.locator(".handle.in")
    handle.focus()

    for _ in range(5):
        handle.press("ArrowRight")
    handle.press("Shift+ArrowRight")
    page.evaluate("document.querySelector('#player').currentTime = 3")
    page.locator(".asset[aria-pressed=true]").press("o")

    expect(page.locator("#in-time")).to_have_value("00:00:01.200")  # 5 frames at 25 fps + 1 s
    expect(handle).to_have_attribute("aria-valuenow", "1.2")
    expect(page.locator("#out-time")).to_have_value("00:00:03.000")
    watch.assert_clean()


def test_refuses_a_typed_time_that_is_not_a_time(page: Page, watch: BrowserWatch) -> None:
    open_timeline(page)
    pick(page, "clip.mp4")

    page.fill("#in-time", "soon")
    page.press("#in-time", "Enter")

    expect(page.locator("#in-time")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#job-form-status")).to_contain_text("hh:mm:ss.mmm")
    watch.assert_clean()


def test_edits_asset_comments_in_place(page: Page, ui_server: MprServer,
                                       watch: BrowserWatch) -> None:
    open_timeline(page)
    pick(page, "other-take.mp4")
    asset_id = page.locator("button.asset", has_text="other-take.mp4").get_attribute("data-id")

    page.fill("#comments", "Second take: use this one")
    page.locator("#comments").blur()

    expect(page.locator("#comments-status")).to_have_text("Saved")
    stored = ui_server.data("query($id: ID!) { asset(id: $id) { comments } }", {"id": asset_id})
    assert stored["asset"]["comments"] == "Second take: use this one"
    watch.assert_clean()


def test_searches_and_filters_the_asset_list(page: Page, watch: BrowserWatch) -> None:
    open_timeline(page)

    page.fill("#asset-search", "take")

    expect(page.locator("button.asset")).to_have_count(1)
    expect(page.locator("button.asset")).to_contain_text("other-take.mp4")
    page.fill("#asset-search", "")
    page.select_option("#asset-status", "error")
    expect(page.locator("button.asset")).to_have_count(0)
    watch.assert_clean()


@pytest.mark.parametrize("width", [1440, 1280, 1000])
def test_every_panel_heading_stays_readable_beside_its_controls(page: Page, watch: BrowserWatch,
                                                               width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    open_timeline(page)

    for heading in ("#assets-title", "#jobs-title"):
        box = page.locator(heading).bounding_box()
        assert box is not None, heading
        assert box["width"] >= 40, (heading, width, box)
        assert page.locator(heading).evaluate("h => h.scrollWidth <= h.clientWidth"), heading
    watch.assert_clean()


def test_graphiql_loads_from_mpr_itself(page: Page, watch: BrowserWatch) -> None:
    page.goto("/graphql")

    expect(page.locator(".graphiql-container .graphiql-editors")).to_be_visible()
    watch.assert_clean()


def test_graphiql_runs_a_query_under_its_content_security_policy(page: Page,
                                                                  watch: BrowserWatch) -> None:
    sign_in(page)  # GraphiQL's requests carry the session cookie
    page.goto("/graphql?q=" + quote("{ systemStatus { version executor } }"))
    page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()

    expect(page.locator(".graphiql-response")).to_contain_text('"executor": "local"')
    assert "script-src 'self';" in (page.request.get("/graphql", headers={
        "accept": "text/html"}).headers["content-security-policy"])
    watch.assert_clean()
