"""The Timeline UI in a real browser when a source's file has left the input folder."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Page, expect

from tests.integration.browser_fixtures import BrowserWatch, sign_in
from tests.integration.server_fixtures import MprServer

pytestmark = pytest.mark.slow
GONE = "other-take.mp4"


def scan(page: Page, says: str) -> None:
    page.get_by_role("button", name="Scan", exact=True).click()
    expect(page.locator("#scan-result")).to_contain_text(says)


def test_a_missing_source_is_marked_and_cannot_be_played_or_transcoded_until_it_returns(
        page: Page, ui_server: MprServer, watch: BrowserWatch,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    sign_in(page)
    scan(page, "Found 3")
    # its row's poster loads first: fetched after the file went, it would answer 404, and
    # the browser logs every failed load in the console (the row shows an empty frame)
    poster = page.locator("button.asset", has_text=GONE).locator(".asset-poster")
    expect(poster).to_have_js_property("naturalWidth", 96, timeout=30_000)
    kept = tmp_path_factory.mktemp("kept") / GONE
    shutil.move(ui_server.media_in / GONE, kept)

    scan(page, "1 missing")

    item = page.locator("button.asset", has_text=GONE)
    expect(item.locator(".badge")).to_have_text("missing")
    expect(item.locator(".asset-missing")).to_contain_text("put the same file back")
    item.click()
    expect(page.locator("#editor-title")).to_have_text(GONE)
    expect(page.locator("#player")).to_be_hidden()
    expect(page.locator("#player-unavailable")).to_contain_text(f"{GONE}: Its file is gone")
    expect(page.locator("#create-job")).to_be_disabled()
    expect(page.locator("#play-selection")).to_be_disabled()
    expect(page.locator("#asset-download")).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#job-form-status")).to_contain_text("Its file is gone")
    page.select_option("#asset-status", "missing")
    expect(page.locator("button.asset")).to_have_count(1)
    shutil.move(kept, ui_server.media_in / GONE)
    page.select_option("#asset-status", "")
    scan(page, "1 back")
    # The scan's result is told once the list shows it, and the open editor follows.
    badge = page.locator("button.asset", has_text=GONE).locator(".badge")
    expect(badge).to_have_text("ready", timeout=1)
    expect(page.locator("#player")).to_be_visible()
    expect(page.locator("#player-unavailable")).to_be_hidden()
    page.locator("button.asset", has_text=GONE).click()
    expect(page.locator("#player")).to_be_visible()
    expect(page.locator("#create-job")).to_be_enabled()
    watch.assert_clean()
