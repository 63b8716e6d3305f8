"""Uploads from the Timeline UI in a real browser: files dropped on the page, one paused and
resumed, one resumed after a reload, both ready, a job started by one."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.integration.browser_fixtures import BrowserWatch, sign_in
from tests.integration.server_fixtures import MprServer

pytestmark = pytest.mark.slow
WAV_BYTES = 6 * 1024 * 1024

# Builds File objects of WAV noise in the page (a fixed date: the same file after a reload)
# and drops them on the page as a person dragging files from the desktop would.
DROP = """([names, size]) => {
  const files = names.map((name) => {
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    const text = (at, s) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
    text(0, "RIFF"); view.setUint32(4, size - 8, true); text(8, "WAVEfmt ");
    view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 2, true);
    view.setUint32(24, 48000, true); view.setUint32(28, 192000, true);
    view.setUint16(32, 4, true); view.setUint16(34, 16, true);
    text(36, "data"); view.setUint32(40, size - 44, true);
    for (let i = 44; i < size; i += 97) bytes[i] = (i * 31) & 255;
    return new File([bytes], name, { type: "audio/wav", lastModified: 1700000000000 });
  });
  const data = new DataTransfer();
  files.forEach((f) => data.items.add(f));
  for (const type of ["dragover", "drop"]) {
    document.body.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true,
                                                      cancelable: true }));
  }
}"""


def drop(page: Page, *names: str) -> None:
    page.evaluate(DROP, [list(names), WAV_BYTES])


def slow_uploads(page: Page) -> None:
    """Small PATCHes over a throttled link, so there is time to pause and reload mid-way."""
    page.evaluate("localStorage.setItem('mpr.uploadChunkBytes', String(256 * 1024))")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 5, "downloadThroughput": -1,
        "uploadThroughput": 1_500_000})


def row(page: Page, name: str) -> Any:
    return page.locator(f"li.upload[data-name='{name}']")


def sent(page: Page, name: str) -> int:
    return int(row(page, name).get_attribute("data-sent") or 0)


def wait_sent(page: Page, name: str, at_least: int) -> None:
    page.wait_for_function(
        "([n, min]) => Number(document.querySelector(`li.upload[data-name='${n}']`)"
        "?.dataset.sent || 0) >= min", arg=[name, at_least], timeout=30_000)


def assets_named(server: MprServer, name: str) -> list[dict[str, Any]]:
    listed = server.data("query { assets(limit: 500) { id filename status } }")["assets"]
    return [a for a in listed if a["filename"] == name]


def test_dropped_files_upload_pause_resume_and_survive_a_reload(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    sign_in(page)
    slow_uploads(page)
    page.reload()
    page.wait_for_selector("html[data-ready=true]", state="attached")
    slow_uploads(page)
    page.select_option("#upload-preset", "aac-audio")
    drop(page, "paused.wav")

    wait_sent(page, "paused.wav", 512 * 1024)
    row(page, "paused.wav").get_by_role("button", name="Pause").click()
    expect(row(page, "paused.wav")).to_have_attribute("data-state", "paused")
    held = sent(page, "paused.wav")
    time.sleep(1)
    assert sent(page, "paused.wav") == held
    row(page, "paused.wav").get_by_role("button", name="Resume").click()
    expect(row(page, "paused.wav")).to_have_attribute("data-state", "done", timeout=60_000)
    page.select_option("#upload-preset", "")
    drop(page, "reloaded.wav")
    wait_sent(page, "reloaded.wav", 512 * 1024)

    page.reload()
    page.wait_for_selector("html[data-ready=true]", state="attached")
    drop(page, "reloaded.wav")

    expect(row(page, "reloaded.wav")).to_have_attribute("data-resumed", "true")
    expect(row(page, "reloaded.wav")).to_have_attribute("data-state", "done", timeout=60_000)
    assert assets_named(ui_server, "reloaded.wav")[0]["status"] == "ready"
    (paused,) = assets_named(ui_server, "paused.wav")
    assert paused["status"] == "ready"
    jobs = ui_server.data("query { jobs(limit: 50) { id sourceAssetId } }")["jobs"]
    (job,) = [j for j in jobs if j["sourceAssetId"] == paused["id"]]
    ui_server.wait_for_job(job["id"])
    expect(page.locator("button.asset", has_text="reloaded.wav")).to_have_count(1)
    watch.assert_clean()
