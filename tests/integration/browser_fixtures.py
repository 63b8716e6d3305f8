"""Browser fixtures: Debian's chromium driven by Playwright against a real `mpr serve`.

`ui_server` is one server (SQLite) per test module with a few tiny generated clips in its
input store and an admin password. `page` is a fresh browser page that records every request
leaving the server, every console error and page error, and saves a screenshot under
test-artifacts/ when the test ends; tests call `watch.assert_clean()` at their end.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer, running_server
from tests.integration.services import require_command

__all__ = ["ADMIN_PASSWORD", "ADMIN_USER", "browser", "page", "playwright_driver", "sign_in",
           "ui_server", "watch"]

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct horse battery staple"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-default-apps", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required"]
# Clips put in the input store: (name, seconds); "long" is long enough to cancel mid-way.
CLIPS = (("clip.mp4", 4.0), ("other-take.mp4", 2.0), ("long.mp4", 60.0))


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    """`mpr serve` on SQLite with tiny clips in the input store and the admin enabled."""
    data_dir = tmp_path_factory.mktemp("mpr-ui")
    for name, seconds in CLIPS:
        make_clip(data_dir / "media" / "in" / name, duration=seconds, width=320, height=180)
    env = {"MPR_SAMPLES": "false", "MPR_ADMIN_USERNAME": ADMIN_USER,
           "MPR_ADMIN_PASSWORD": ADMIN_PASSWORD, "MPR_WORKER_CONCURRENCY": "2"}
    with running_server("ui", data_dir, env) as server:
        yield server


def sign_in(page: Page, user: str = ADMIN_USER, password: str = ADMIN_PASSWORD,
            path: str = "/") -> None:
    """Open a page through the sign-in form (the UI and the admin need a session)."""
    page.goto(path)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")
    if path == "/":  # the Timeline UI wires its controls after asking who is signed in
        page.wait_for_selector("html[data-ready=true]", state="attached")


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    """Per module: while it runs, sync Playwright holds an event loop that async tests need."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's chromium (never a downloaded one): `make test` installs it when missing."""
    executable = require_command("chromium", "run `make test` (it installs chromium) or "
                                             "apt install chromium")
    launched = playwright_driver.chromium.launch(executable_path=executable,
                                                 args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@dataclass
class BrowserWatch:
    """What a page did that it must not: leave the server, log errors, throw."""

    base_url: str
    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    def expect_refusal(self, path: str) -> None:
        """A page the test expects the server to refuse (4xx): its load error is not a bug."""
        self.refusals.append(f"{self.base_url}{path}")

    def request(self, url: str) -> None:
        if not url.startswith((self.base_url, "data:", "blob:")):
            self.outside.append(url)

    def websocket(self, url: str) -> None:
        local = re.sub(r"^http", "ws", self.base_url)
        if not url.startswith(local):
            self.outside.append(url)

    def console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url")
        refused = message.text.startswith("Failed to load resource") and url in self.refusals
        if message.type == "error" and not refused:
            self.console_errors.append(f"{message.text} ({url})")

    def assert_clean(self) -> None:
        """No request left the server, no console error, no uncaught script error."""
        assert self.outside == [], f"requests outside MPR: {self.outside}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.page_errors == [], f"script errors: {self.page_errors}"


@pytest.fixture
def watch(ui_server: MprServer) -> BrowserWatch:
    return BrowserWatch(ui_server.base_url)


@contextlib.contextmanager
def watched_page(browser: Browser, watch: BrowserWatch, request: pytest.FixtureRequest,
                 **context_options: Any) -> Iterator[Page]:
    """A fresh page in its own context (the options: viewport, touch...) watched by `watch`;
    a screenshot named after the test is saved when it ends."""
    context = browser.new_context(base_url=watch.base_url, **context_options)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    opened.on("request", lambda r: watch.request(r.url))
    opened.on("websocket", lambda ws: watch.websocket(ws.url))
    opened.on("console", watch.console)
    opened.on("pageerror", lambda e: watch.page_errors.append(str(e)))
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    opened.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(browser: Browser, watch: BrowserWatch, request: pytest.FixtureRequest
         ) -> Iterator[Page]:
    """A fresh page (1440x900) watched by `watch`; a screenshot is saved when the test ends."""
    with watched_page(browser, watch, request, viewport={"width": 1440, "height": 900}) as opened:
        yield opened
