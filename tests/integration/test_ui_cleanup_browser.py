"""Clean-up and results in the Timeline UI: a job card's results, deleting assets (asked first,
refused while a job reads them), clearing finished jobs, jobs by state a page at a time, the
tab title, deep links and Retry withheld when the source is gone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.integration.browser_fixtures import ARTIFACTS, BrowserWatch, sign_in
from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer

pytestmark = pytest.mark.slow
CREATE = """mutation($a: ID!, $p: ID!, $o: String) { createJob(input: {sourceAssetId: $a,
    presetId: $p, outputFilename: $o}) { id } }"""


def open_timeline(page: Page) -> None:
    sign_in(page)
    page.get_by_role("button", name="Scan").click()
    expect(page.locator("#scan-result")).to_contain_text("Found 3")


def asset_id(server: MprServer, filename: str) -> str:
    found = server.data('query { assets(location: "input") { id filename } }')["assets"]
    return next(a["id"] for a in found if a["filename"] == filename)


def create_job(server: MprServer, source: str, preset: str, output: str | None = None) -> str:
    variables = {"a": asset_id(server, source), "p": server.preset_ids()[preset], "o": output}
    return str(server.data(CREATE, variables)["createJob"]["id"])


def pick(page: Page, filename: str) -> None:
    page.locator("button.asset", has_text=filename).click()
    expect(page.locator("#editor-title")).to_have_text(filename)


def test_a_completed_card_shows_results_and_its_output_is_deleted_after_confirming(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    open_timeline(page)
    pick(page, "other-take.mp4")
    page.select_option("#preset", label="h264-480p")
    page.get_by_role("button", name="Create job").click()
    card = page.locator(".job").first
    expect(card).to_have_attribute("data-status", "completed", timeout=60_000)

    expect(card.locator(".job-sub")).to_contain_text("from other-take.mp4")
    results = card.locator(".job-results")
    expect(results).to_contain_text(re.compile(r"Size\s*[\d.]+ [KM]?B · [\u2212+±]\d+% vs source"))
    expect(results).to_contain_text(re.compile(r"Duration\s*00:00:0[12]\.\d{3}"))
    expect(results).to_contain_text(re.compile(r"Bitrate\s*\d+ kb/s"))
    expect(results).to_contain_text(re.compile(r"Took\s*[\d.]+ s at [\d.]+\u00d7 realtime"))
    expect(card.get_by_role("button", name="Play job other-take.mp4 to h264-480p")).to_be_visible()
    output_name = card.locator(".job-name").inner_text()
    page.screenshot(path=str(ARTIFACTS / "job-card-results.png"))

    card.get_by_role("link", name="Show asset: the output of").click()
    expect(page.locator("#editor-title")).to_have_text(output_name)
    output_id = str(ui_server.job(str(card.get_attribute("data-job")))["outputAssetId"])
    assert f"asset={output_id}" in page.url
    page.get_by_role("button", name="Delete", exact=True).click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text(f"Delete {output_name}?")
    expect(dialog).to_contain_text("deleted from the output store")
    page.get_by_role("button", name="Keep it").click()
    assert ui_server.data("query($id: ID!) { asset(id: $id) { id } }", {"id": output_id})
    page.get_by_role("button", name="Delete", exact=True).click()
    dialog.get_by_role("button", name="Delete").click()

    expect(page.locator("#empty-editor")).to_be_visible()
    expect(page.locator("#scan-result")).to_have_text(f"Deleted {output_name}.")
    error = ui_server.error("query($id: ID!) { asset(id: $id) { id } }", {"id": output_id})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "asset=" not in page.url
    expect(card.get_by_role("link", name="Show asset: the output of")).to_have_count(0)
    expect(card.locator(".job-results dd").first).to_have_text("deleted")
    watch.assert_clean()


def test_deleting_a_source_in_use_is_refused_by_name_and_the_tab_title_counts_running_jobs(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    open_timeline(page)
    pick(page, "long.mp4")
    page.select_option("#preset", label="h265-1080p")
    page.get_by_role("button", name="Create job").click()
    card = page.locator(".job").first
    expect(card).to_have_attribute("data-status", "processing", timeout=30_000)
    expect(page).to_have_title(re.compile(r"^\(1 running \d+%\) MPR · Timeline$"))

    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator("#confirm-dialog")).to_contain_text("the file stays in the input folder")
    page.locator("#confirm-dialog").get_by_role("button", name="Delete").click()

    notice = page.locator("#notice")
    expect(notice).to_have_text("long.mp4 is the source of 1 job that is pending or processing; "
                                "cancel them first, then delete it")
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", notice.inner_text())
    assert asset_id(ui_server, "long.mp4")
    card.get_by_role("button", name="Cancel job long.mp4 to h265-1080p").click()
    expect(card).to_have_attribute("data-status", "cancelled")
    expect(page.locator("#jobs-summary")).to_contain_text("cancelled")
    expect(page).to_have_title("MPR · Timeline")
    watch.assert_clean()


def test_jobs_filter_by_state_page_and_clear_finished_ones(page: Page, ui_server: MprServer,
                                                          watch: BrowserWatch) -> None:
    page.add_init_script("localStorage.setItem('mpr.jobsPerPage', '2')")
    open_timeline(page)
    made = [create_job(ui_server, "clip.mp4", "copy", f"page-{n}.mp4") for n in range(3)]
    for job in made:
        ui_server.wait_for_job(job)

    page.select_option("#job-status", "completed")
    expect(page.locator(".job")).to_have_count(2)
    expect(page.locator(".job[data-status=completed]")).to_have_count(2)
    page.get_by_role("button", name="Show more jobs").click()
    expect(page.locator(".job[data-status=completed]")).not_to_have_count(2)
    page.select_option("#job-status", "cancelled")
    expect(page.locator(".job[data-status=cancelled]")).to_have_count(1)  # the previous test's

    page.get_by_role("button", name="Clear finished").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Clear").click()
    expect(page.locator("#jobs-summary")).to_have_text("Cleared 1 job.")
    expect(page.locator("#job-list")).to_have_text("No cancelled jobs.")
    assert ui_server.data('query { jobs(status: "completed") { id } }')["jobs"]
    page.select_option("#job-status", "")
    page.get_by_role("button", name="Clear finished").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Clear").click()

    expect(page.locator("#jobs-summary")).to_have_text(re.compile(r"Cleared [4-9] jobs\."))
    expect(page.locator(".job")).to_have_count(0)
    assert ui_server.data("query { jobs { id } }")["jobs"] == []
    watch.assert_clean()


def test_a_deep_link_restores_the_asset_and_its_segment(page: Page, ui_server: MprServer,
                                                        watch: BrowserWatch) -> None:
    open_timeline(page)
    clip = asset_id(ui_server, "clip.mp4")

    page.goto(f"/?asset={clip}&in=1.25&out=3")
    page.wait_for_selector("html[data-ready=true]", state="attached")

    expect(page.locator("#editor-title")).to_have_text("clip.mp4")
    expect(page.locator("#in-time")).to_have_value("00:00:01.250")
    expect(page.locator("#out-time")).to_have_value("00:00:03.000")
    page.fill("#out-time", "00:00:02.500")
    page.press("#out-time", "Enter")
    assert page.url.endswith(f"?asset={clip}&in=1.25&out=2.5")
    page.fill("#in-time", "00:00:02.300")
    page.press("#in-time", "Enter")
    page.get_by_role("button", name="Create job").click()
    expect(page.locator("#job-form-status")).to_contain_text("make it at least 0.5 s long")
    assert ui_server.data("query { jobs { id } }")["jobs"] == []
    watch.assert_clean()


def test_retry_is_withheld_once_the_source_is_gone(page: Page, ui_server: MprServer,
                                                   watch: BrowserWatch) -> None:
    open_timeline(page)
    job = create_job(ui_server, "other-take.mp4", "h265-1080p", "gone.mp4")
    ui_server.data("mutation($id: ID!) { cancelJob(id: $id) { id } }", {"id": job})
    (ui_server.media_in / "other-take.mp4").unlink()
    page.get_by_role("button", name="Scan").click()
    expect(page.locator("#scan-result")).to_contain_text("1 missing")

    page.reload()
    page.wait_for_selector("html[data-ready=true]", state="attached")

    card = page.locator(f"[data-job='{job}']")
    expect(card).to_contain_text("Source gone: no retry")
    expect(card.get_by_role("button", name="Retry")).to_have_count(0)
    watch.assert_clean()


def test_an_audio_asset_gets_an_audio_preset_explained_beside_the_picker(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    make_clip(ui_server.media_in / "song.mp3", duration=2, video=False)
    sign_in(page)
    page.get_by_role("button", name="Scan", exact=True).click()
    expect(page.locator("#scan-result")).to_contain_text("registered 1 new")
    pick(page, "clip.mp4")
    expect(page.locator("#preset option:checked")).to_have_text("h264-720p")
    expect(page.locator("#preset-summary")).to_have_text(
        "H.264 fit in 1280\u00d7720 CRF 23 · AAC 128k stereo · mp4")

    pick(page, "song.mp3")

    expect(page.locator("#preset option:checked")).to_have_text("aac-audio")
    expect(page.locator("#preset-summary")).to_have_text(re.compile(r"^no video · AAC .* · m4a$"))
    page.select_option("#preset", label="h264-480p")
    page.get_by_role("button", name="Create job").click()
    status = page.locator("#job-form-status")
    expect(status).to_contain_text("song.mp3 has none: choose an audio preset such as aac-audio")
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", status.inner_text())
    page.screenshot(path=str(ARTIFACTS / "preset-summary-audio.png"))
    watch.assert_clean()


# The page's Notification API, recorded (the browser's own shows nothing in a headless run).
FAKE_NOTIFICATIONS = """window.shown = [];
window.Notification = class {
  constructor(title, options) { window.shown.push([title, options.body]); }
  static permission = "default";
  static async requestPermission() { this.permission = "granted"; return "granted"; } };"""


def test_a_notification_says_when_a_job_completes_once_asked_for(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    page.add_init_script(FAKE_NOTIFICATIONS)
    sign_in(page)
    page.get_by_role("checkbox", name="Notify me").check()
    expect(page.get_by_role("checkbox", name="Notify me")).to_be_checked()
    pick(page, "clip.mp4")
    page.select_option("#preset", label="copy")

    page.get_by_role("button", name="Create job").click()

    card = page.locator(".job").first
    expect(card).to_have_attribute("data-status", "completed", timeout=60_000)
    page.wait_for_function("() => window.shown.length > 0")
    name = card.locator(".job-name").inner_text()
    assert page.evaluate("window.shown") == [[f"{name} completed", "copy"]]
    watch.assert_clean()
