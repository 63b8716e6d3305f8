"""The `/` page's load in Chromium: navigation timing and bytes transferred, cold cache.

    .venv/bin/python bench/ui_load.py [--runs 5] [--src A/src --src B/src] [--samples]

Each `--src` tree (default: the one on PYTHONPATH) is served by its own `mpr serve` on a
fresh data dir, its asset list empty, or with `--samples` holding the three sample clips
(registered by a scan: the list's rows, posters and all); the page is opened signed in, in a
new browser context each run (an empty cache). Printed per tree: the medians of load (navigation
start -> load event), ready (-> `<html data-ready=true>`, every control wired) and the bytes
transferred (document + every resource, as the Resource Timing API counts them).
Runs alternate between the trees, so a busy host weighs on each alike.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from mpr.adapters.ffmpeg.samples import generate_sample_media

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import mpr_server

USER, PASSWORD = "bench", "a long enough bench password"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MEASURE = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  return {load: nav.loadEventEnd, ready: window.__readyAt ?? performance.now(),
          bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
          requests: 1 + resources.length,
          each: [[location.pathname + " (page)", nav.transferSize]].concat(resources.map(
              (r) => [r.name.replace(location.origin, ""), r.transferSize]))};
}"""
READY_AT = """new MutationObserver((_, o) => {
  if (!document.documentElement.dataset.ready) return;
  window.__readyAt = performance.now();
  o.disconnect();
}).observe(document.documentElement, {attributes: true});"""


def signed_in_state(browser: Browser, base: str) -> dict:
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("html[data-ready=true]", state="attached")
    state = context.storage_state()
    context.close()
    return state


def one_load(browser: Browser, base: str, state: dict) -> dict:
    context = browser.new_context(base_url=base, storage_state=state)
    context.add_init_script(READY_AT)
    page = context.new_page()
    page.goto("/", wait_until="load")
    page.wait_for_selector("html[data-ready=true]", state="attached")
    page.wait_for_load_state("networkidle")
    figures = page.evaluate(MEASURE)
    context.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--src", action="append", default=[])
    parser.add_argument("--samples", action="store_true",
                        help="the three sample clips in the input store, scanned")
    parser.add_argument("--detail", type=int, default=0, metavar="N",
                        help="also print the N largest transfers of each tree's last load")
    args = parser.parse_args()
    trees = args.src or [os.environ.get("PYTHONPATH", "")]
    os.environ.update(MPR_ADMIN_USERNAME=USER, MPR_ADMIN_PASSWORD=PASSWORD)
    results: dict[str, list[dict]] = {t: [] for t in trees}
    with ExitStack() as stack:
        samples = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if args.samples:  # made once, before Playwright's loop runs in this thread
            asyncio.run(generate_sample_media("ffmpeg", samples))
        driver = stack.enter_context(sync_playwright())
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        servers = {}
        for tree in trees:
            os.environ["PYTHONPATH"] = tree
            data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            if args.samples:
                shutil.copytree(samples, data / "media" / "in")
            server = stack.enter_context(mpr_server(data))
            if args.samples:
                server.client.post("/graphql", json={
                    "query": "mutation { scanMediaFolder { registered } }"}).raise_for_status()
            base = str(server.client.base_url).rstrip("/")
            servers[tree] = (base, signed_in_state(browser, base))
        for _ in range(args.runs):
            for tree, (base, state) in servers.items():
                results[tree].append(one_load(browser, base, state))
        browser.close()
    for tree, runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in ("load", "ready", "bytes")}
        print(f"{tree or '(installed)'}: load {med['load']:.0f} ms, ready {med['ready']:.0f} ms, "
              f"{med['bytes'] / 1000:.1f} KB in {runs[0]['requests']} requests "
              f"(median of {len(runs)}; loads {[round(r['load']) for r in runs]})")
        for name, size in sorted(runs[-1]["each"], key=lambda e: -e[1])[:args.detail]:
            print(f"  {size / 1000:7.1f} KB  {name}")


if __name__ == "__main__":
    main()
