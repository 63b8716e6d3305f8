"""Touch and assistive use of the Timeline UI in Chromium: in/out handles a finger can hold
that never cover each other, accessible names of players and job buttons, a live region that
tells state changes (not progress ticks), the skip link, and the labelled sign-in fields."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.integration.browser_fixtures import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    ARTIFACTS,
    BrowserWatch,
    sign_in,
    watched_page,
)
from tests.integration.server_fixtures import MprServer

pytestmark = pytest.mark.slow
JOB = """mutation($input: CreateJobInput!) { createJob(input: $input) { id } }"""
MIN_TOUCH_WIDTH = 24
HANDLES = """() => Object.fromEntries(['in', 'out'].map((which) => {
  const r = document.querySelector(`.handle.${which}`).getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return [which, { left: r.left, right: r.right, width: r.width, y: r.top + r.height / 2,
                   hit: hit?.classList.contains(which) ?? false }]; }))"""


@pytest.fixture
def touch_page(browser: Browser, watch: BrowserWatch,
               request: pytest.FixtureRequest) -> Iterator[Page]:
    """A phone-sized page with a touch screen (its pointer is coarse)."""
    with watched_page(browser, watch, request, viewport={"width": 390, "height": 844},
                      has_touch=True, is_mobile=True) as opened:
        yield opened


def touch_drag(page: Page, x: float, y: float, dx: float) -> None:
    """A finger put down at (x, y), moved dx pixels in steps, and lifted (real touch events)."""
    session = page.context.new_cdp_session(page)
    session.send("Input.dispatchTouchEvent", {"type": "touchStart",
                                               "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
            {"x": x + dx * step / 10, "y": y}]})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    session.detach()


def open_asset(page: Page, filename: str) -> None:
    sign_in(page)
    page.get_by_role("button", name="Scan", exact=True).click()
    expect(page.locator("#scan-result")).to_contain_text("Found")
    page.locator("button.asset", has_text=filename).click()
    expect(page.locator("#editor-title")).to_have_text(filename)


def set_segment(page: Page, start: str, end: str) -> None:
    for field, value in (("#out-time", end), ("#in-time", start)):
        page.fill(field, value)
        page.press(field, "Enter")


def test_touch_handles_are_wide_apart_and_both_grabbable_at_the_shortest_segment(
        touch_page: Page, watch: BrowserWatch) -> None:
    page = touch_page
    open_asset(page, "long.mp4")  # 60 s: half a second is about 3 px of the track

    set_segment(page, "00:00:30.000", "00:00:30.500")
    page.locator(".track").scroll_into_view_if_needed()

    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    assert page.evaluate("(e => e.scrollWidth <= e.clientWidth)(document.querySelector("
                         "'#jobs-title'))"), "the Jobs heading is cut short"
    handles = page.evaluate(HANDLES)
    assert handles["in"]["width"] >= MIN_TOUCH_WIDTH, handles
    assert handles["out"]["width"] >= MIN_TOUCH_WIDTH, handles
    assert handles["in"]["right"] <= handles["out"]["left"] + 0.5, handles  # they never overlap
    assert handles["in"]["hit"], handles  # each handle's center is its own, not the other's
    assert handles["out"]["hit"], handles
    assert handles["in"]["left"] >= 0, handles
    assert handles["out"]["right"] <= 390, handles
    track = page.locator(".track").bounding_box()
    assert track
    page.screenshot(path=str(ARTIFACTS / "touch-handles-half-second.png"))
    out = handles["out"]
    touch_drag(page, out["left"] + out["width"] / 2, out["y"], track["width"] / 6)  # ~10 s later
    expect(page.locator("#in-time")).to_have_value("00:00:30.000")
    out_after = float(page.get_attribute(".handle.out", "aria-valuenow") or 0)
    assert 38 < out_after < 43, out_after
    handles = page.evaluate(HANDLES)
    start = handles["in"]
    touch_drag(page, start["left"] + start["width"] / 2, start["y"], -track["width"] / 6)
    in_after = float(page.get_attribute(".handle.in", "aria-valuenow") or 0)
    assert 18 < in_after < 23, in_after
    assert float(page.get_attribute(".handle.out", "aria-valuenow") or 0) == out_after
    page.screenshot(path=str(ARTIFACTS / "touch-handles-dragged.png"))
    watch.assert_clean()


def test_on_a_mouse_the_handles_stay_centered_on_their_points(page: Page,
                                                             watch: BrowserWatch) -> None:
    open_asset(page, "long.mp4")

    set_segment(page, "00:00:15.000", "00:00:45.000")

    handles = page.evaluate(HANDLES)
    track = page.locator(".track").bounding_box()
    assert track
    center_in = (handles["in"]["left"] + handles["in"]["right"]) / 2
    assert abs(center_in - (track["x"] + track["width"] / 4)) < 1.5, (handles, track)
    assert handles["in"]["width"] < MIN_TOUCH_WIDTH  # the fine pointer keeps the slim handle
    watch.assert_clean()


def test_players_and_job_buttons_have_names_and_the_live_region_tells_states_only(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    open_asset(page, "long.mp4")
    expect(page.locator("#player")).to_have_accessible_name("Player: long.mp4")
    page.evaluate("""() => { window.said = [];
      const region = document.querySelector('#jobs-summary');
      new MutationObserver(() => window.said.push(region.textContent))
        .observe(region, { childList: true, characterData: true, subtree: true }); }""")
    expect(page.locator("#jobs-summary")).to_have_attribute("role", "status")  # polite

    page.select_option("#preset", label="h265-1080p")
    page.get_by_role("button", name="Create job").click()
    card = page.locator(".job").first
    expect(card).to_have_attribute("data-status", "processing", timeout=30_000)
    ticks = set()
    for _ in range(40):
        ticks.add(card.locator(".progress").get_attribute("aria-valuenow"))
        if len(ticks) >= 3:
            break
        page.wait_for_timeout(250)
    assert len(ticks) >= 3, ticks  # progress moved while the region stayed quiet
    card.get_by_role("button", name="Cancel job long.mp4 to h265-1080p").click()
    expect(card).to_have_attribute("data-status", "cancelled")

    name = card.locator(".job-name").inner_text()
    said = [text for text in page.evaluate("window.said") if text]
    assert said, "the live region told nothing"
    assert set(said) <= {f"{name}: processing", f"{name}: cancelled"}, said
    assert said[-1] == f"{name}: cancelled"
    expect(card.get_by_role("button", name="Retry job long.mp4 to h265-1080p")).to_be_visible()
    watch.assert_clean()


def test_a_completed_jobs_buttons_and_the_output_player_are_named(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    open_asset(page, "clip.mp4")
    page.select_option("#preset", label="copy")
    page.get_by_role("button", name="Create job").click()
    card = page.locator(".job").first
    expect(card).to_have_attribute("data-status", "completed", timeout=60_000)

    for role, name in (("button", "Play"), ("button", "Compare"),
                       ("link", "Download: the output of"), ("link", "Show asset: the output of")):
        expect(card.get_by_role(role, name=f"{name} job clip.mp4 to copy")).to_be_visible()
    card.get_by_role("button", name="Play job clip.mp4 to copy").click()
    output = card.locator(".job-name").inner_text()
    expect(page.locator("#output-player")).to_have_accessible_name(f"Output player: {output}")
    watch.assert_clean()


def test_the_skip_link_lands_on_the_asset_list(page: Page, watch: BrowserWatch) -> None:
    open_asset(page, "clip.mp4")
    page.goto("/")
    page.wait_for_selector("html[data-ready=true]", state="attached")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to assets")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / "skip-link-focused.png"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("list", name="Assets")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("button.asset").first).to_be_focused()
    watch.assert_clean()


def test_the_sign_in_fields_the_admin_sends_to_are_labelled(page: Page,
                                                           watch: BrowserWatch) -> None:
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/login\?next=/admin/$"))

    page.get_by_label("Username").fill(ADMIN_USER)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/admin/"))
    expect(page.get_by_role("textbox", name="Username")).to_have_count(0)
    watch.assert_clean()
