"""Batch work in the Timeline UI, in a real browser: tick assets (mouse and keyboard) or
select all matching, start one preset on all, watch the batch's overall progress complete."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.integration.browser_fixtures import ARTIFACTS, BrowserWatch, sign_in
from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer
from tests.integration.test_ui_axe_browser import context_for, severe_violations

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def with_audio(ui_server: MprServer, tmp_path_factory: pytest.TempPathFactory) -> MprServer:
    """The UI server with an audio-only file beside its clips: video presets refuse it."""
    tone = make_clip(tmp_path_factory.mktemp("batch-ui") / "tone.mp3", duration=1, video=False)
    ui_server.put_input("tone.mp3", tone)
    ui_server.data("mutation { scanMediaFolder { found } }")
    return ui_server


def open_timeline(page: Page) -> None:
    sign_in(page)
    page.get_by_role("button", name="Scan").click()
    expect(page.locator("button.asset")).to_have_count(4)


@pytest.fixture
def batch_requests(page: Page) -> list[dict[str, object]]:
    """The variables of every createJobs the page sends."""
    sent: list[dict[str, object]] = []

    def record(request: Request) -> None:
        body = request.post_data or ""
        if request.url.endswith("/graphql") and "createJobs" in body:
            sent.append(json.loads(body)["variables"]["input"])

    page.on("request", record)
    return sent


def test_ticks_assets_starts_a_batch_and_watches_its_overall_progress_complete(
        page: Page, with_audio: MprServer, watch: BrowserWatch,
        batch_requests: list[dict[str, object]]) -> None:
    open_timeline(page)
    page.get_by_role("checkbox", name="Select clip.mp4").check()
    other = page.get_by_role("checkbox", name="Select other-take.mp4")
    other.focus()
    other.press("Space")  # the keyboard ticks too
    page.get_by_role("checkbox", name="Select tone.mp3").check()
    bar = page.get_by_role("group", name="Batch")
    expect(bar).to_contain_text("3 selected")
    bar.get_by_label("Preset for the selected assets").select_option(label="h264-480p")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "batch-selection.png"))

    bar.get_by_role("button", name="Start batch").click()

    progress = page.get_by_role("progressbar", name="Overall progress of the batch")
    expect(progress).to_be_visible()
    panel = page.locator(".batch-progress")
    expect(panel).to_contain_text("Batch · h264-480p · 2 jobs")
    expect(panel.locator(".batch-refused")).to_contain_text(
        "tone.mp3: preset h264-480p encodes video; tone.mp3 has none")
    expect(progress).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    expect(panel.locator(".batch-counts")).to_have_text("100% · 2 completed")
    expect(progress).to_have_attribute("aria-valuetext", "100%: 2 completed")
    expect(panel).to_have_attribute("data-finished", "true")
    expect(bar).to_contain_text("Started 2 jobs; 1 not started, see Jobs.")
    expect(page.locator("input.batch-pick:checked")).to_have_count(0)
    batch_id = str(panel.get_attribute("data-batch"))
    stored = with_audio.data("""query($id: ID!) { batch(id: $id) { total progress
        jobs { status trimStart trimEnd } } }""", {"id": batch_id})["batch"]
    assert (stored["total"], stored["progress"]) == (2, 100.0)
    assert {(j["status"], j["trimStart"], j["trimEnd"]) for j in stored["jobs"]} == {
        ("completed", None, None)}
    for card in page.locator(".job").all()[:2]:
        expect(card).to_have_attribute("data-status", "completed")
    assert len(batch_requests) == 1
    assert set(batch_requests[0]) == {"presetId", "assetIds"}
    watch.assert_clean()


def test_selects_all_assets_matching_the_search_and_starts_the_batch_by_filter(
        page: Page, with_audio: MprServer, watch: BrowserWatch,
        batch_requests: list[dict[str, object]]) -> None:
    open_timeline(page)
    page.get_by_role("checkbox", name="Select long.mp4").check()
    page.fill("#asset-search", "take")
    expect(page.locator("button.asset")).to_have_count(1)
    bar = page.get_by_role("group", name="Batch")
    expect(bar).to_contain_text("Tick assets")  # a new search starts a new selection

    bar.get_by_role("button", name="Select all matching").click()
    expect(bar).to_contain_text("All 1 matching selected")
    bar.get_by_label("Preset for the selected assets").select_option(label="copy")
    bar.get_by_role("button", name="Start batch").click()

    progress = page.get_by_role("progressbar", name="Overall progress of the batch")
    expect(progress).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    expect(page.locator(".batch-progress .batch-refused")).to_have_count(0)
    assert batch_requests == [{"presetId": batch_requests[0]["presetId"],
                               "filter": {"search": "take", "status": None,
                                          "location": "input"}}]
    batch_id = str(page.locator(".batch-progress").get_attribute("data-batch"))
    jobs = with_audio.data("query($id: ID!) { batch(id: $id) { jobs { sourceAssetId } } }",
                           {"id": batch_id})["batch"]["jobs"]
    other = page.locator("button.asset", has_text="other-take.mp4").get_attribute("data-id")
    assert [j["sourceAssetId"] for j in jobs] == [other]
    watch.assert_clean()


# Every presets answer after the first comes 800 ms late; <html data-preset-loads> says how
# many were asked for and how many are still in flight ("sent/pending").
SLOW_PRESET_RELOADS = """
(() => {
  const real = window.fetch.bind(window);
  let sent = 0, pending = 0;
  const show = () =>
    document.documentElement.setAttribute("data-preset-loads", `${sent}/${pending}`);
  window.fetch = async (url, init) => {
    if (!String(init?.body ?? "").includes("presets {")) return real(url, init);
    const n = ++sent;
    pending += 1;
    show();
    try {
      const answer = await real(url, init);
      if (n > 1) await new Promise((done) => setTimeout(done, 800));
      return answer;
    } finally {
      pending -= 1;
      show();
    }
  };
})();
"""


def test_a_preset_chosen_while_the_presets_reload_stays_chosen(
        page: Page, with_audio: MprServer, watch: BrowserWatch) -> None:
    page.add_init_script(SLOW_PRESET_RELOADS)
    sign_in(page)
    expect(page.locator("button.asset")).to_have_count(4)
    loads = page.locator("html")
    expect(loads).to_have_attribute("data-preset-loads", "1/0")

    page.get_by_role("checkbox", name="Select clip.mp4").check()  # opening the bar reloads
    picker = page.get_by_role("group", name="Batch").get_by_label("Preset for the selected assets")
    picker.select_option(label="h264-480p")  # chosen before the late answer lands
    expect(loads).to_have_attribute("data-preset-loads", "2/0")

    assert picker.evaluate("s => s.selectedOptions[0].textContent") == "h264-480p"
    watch.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_batch_bar_and_progress_have_no_severe_accessibility_violation(
        browser: Browser, with_audio: MprServer, scheme: str) -> None:
    context = context_for(browser, with_audio, scheme, None)  # CSP lifted to inject axe
    page = context.new_page()
    sign_in(page)
    expect(page.locator("button.asset")).not_to_have_count(0)
    page.get_by_role("checkbox", name="Select tone.mp3").check()
    page.get_by_role("checkbox", name="Select clip.mp4").check()
    bar = page.get_by_role("group", name="Batch")
    bar.get_by_label("Preset for the selected assets").select_option(label="h264-480p")
    bar.get_by_role("button", name="Start batch").click()
    progress = page.get_by_role("progressbar", name="Overall progress of the batch")
    expect(progress).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    page.get_by_role("checkbox", name="Select long.mp4").check()  # the bar's actions shown

    found = severe_violations(page)

    page.screenshot(path=str(ARTIFACTS / f"axe-batch-{scheme}.png"))
    context.close()
    assert found == [], "\n".join(found)



def test_a_viewer_gets_no_checkboxes_and_no_batch_bar(page: Page, with_audio: MprServer,
                                                      watch: BrowserWatch) -> None:
    with_audio.data("""mutation { createUser(username: "batch-viewer", role: "viewer",
        password: "a viewer's long password") { id } }""")

    sign_in(page, "batch-viewer", "a viewer's long password")

    expect(page.locator("button.asset")).to_have_count(4)
    expect(page.get_by_role("checkbox", name="Select clip.mp4")).to_have_count(0)
    expect(page.get_by_role("group", name="Batch")).to_have_count(0)
    watch.assert_clean()
