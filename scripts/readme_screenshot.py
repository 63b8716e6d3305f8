"""Take the README's screenshot of the Timeline UI: docs/timeline-ui.png.

Starts `mpr serve` on a fresh data dir (its first start writes the sample clips, and the
watched input folder registers them), signs in, cuts a segment of a sample, encodes it with
a builtin preset, and photographs the page once the job has completed. Needs Playwright (the
dev extra) and Debian's chromium:

    .venv/bin/python scripts/readme_screenshot.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "timeline-ui.png"
MAX_BYTES = 300_000
PASSWORD = "readme screenshot password"  # noqa: S105 - the throwaway server's admin
VIEWPORT = {"width": 1280, "height": 800}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"mpr serve exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("mpr serve was not ready within 60 s")


def photograph(page: Page) -> None:
    page.goto("/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("html[data-ready=true]", state="attached")
    for _ in range(20):  # the watch registers the samples a moment after the first start
        if page.locator("button.asset").count() == 3:
            break
        page.wait_for_timeout(500)
        page.reload()
        page.wait_for_selector("html[data-ready=true]", state="attached")
    page.locator("button.asset", has_text="sample-testsrc-720p.mp4").click()
    page.fill("#in-time", "00:00:02.000")
    page.press("#in-time", "Enter")
    page.fill("#out-time", "00:00:07.500")
    page.press("#out-time", "Enter")
    page.select_option("#preset", label="h264-480p")
    page.get_by_role("button", name="Create job").click()
    expect(page.locator(".job").first).to_have_attribute("data-status", "completed",
                                                         timeout=120_000)
    page.locator("#player").evaluate("(video) => { video.pause(); video.currentTime = 4; }")
    page.mouse.move(0, 0)
    page.wait_for_timeout(800)
    page.screenshot(path=str(TARGET))


def main() -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="mpr-readme-") as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MPR_")}
        env.update({"MPR_DATA_DIR": data_dir, "MPR_ADMIN_PASSWORD": PASSWORD,
                    "MPR_LOG_LEVEL": "WARNING"})
        argv = [sys.executable, "-m", "mpr.entrypoints.cli", "serve", "--host", "127.0.0.1",
                "--port", str(port)]
        process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL)
        try:
            wait_ready(base_url, process)
            with sync_playwright() as driver:
                browser = driver.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                context = browser.new_context(viewport=VIEWPORT, base_url=base_url)  # type: ignore[arg-type]
                photograph(context.new_page())
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=15)
    size = TARGET.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{TARGET} is {size} bytes, over {MAX_BYTES}: use a smaller viewport")
    print(f"wrote {TARGET} ({size} bytes)")


if __name__ == "__main__":
    main()
