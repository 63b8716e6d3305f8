"""axe-core (npm, tests only) finds no serious or critical violation on the Timeline UI (an
asset open, the compare view open, a completed job's card), the login page and the admin's
list pages, in light and in dark mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.integration.browser_fixtures import ADMIN_PASSWORD, ADMIN_USER, ARTIFACTS
from tests.integration.server_fixtures import MprServer

pytestmark = pytest.mark.slow
AXE = Path(__file__).resolve().parent.parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
ADMIN_LISTS = ("asset-row", "preset-row", "job-row", "deletion-row")
SEVERE = {"serious", "critical"}


@pytest.fixture(scope="module")
def signed_in(browser: Browser, ui_server: MprServer) -> dict[str, Any]:
    """A session's cookies, made once through the sign-in form (and the clips registered)."""
    context = browser.new_context(base_url=ui_server.base_url)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", ADMIN_USER)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("html[data-ready=true]", state="attached")
    page.get_by_role("button", name="Scan", exact=True).click()
    expect(page.locator("#scan-result")).to_contain_text("Found 3")
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


def context_for(browser: Browser, server: MprServer, scheme: str,
                state: dict[str, Any] | None) -> BrowserContext:
    # axe is injected as a script: the page's own CSP (no inline or foreign script) is lifted
    # for this context only, never for the page as served
    return browser.new_context(base_url=server.base_url, color_scheme=scheme,  # type: ignore[arg-type]
                               bypass_csp=True, storage_state=state,
                               viewport={"width": 1440, "height": 900})


def severe_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]}))
        .violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))""")
    return [f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in found
            if v["impact"] in SEVERE]


@pytest.fixture(params=["light", "dark"])
def scheme(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def opened(browser: Browser, ui_server: MprServer, scheme: str, signed_in: dict[str, Any],
           request: pytest.FixtureRequest) -> Iterator[Page]:
    assert AXE.is_file(), "axe-core is not installed: run `npm ci --prefix tests/js`"
    anonymous = "login" in request.node.name
    context = context_for(browser, ui_server, scheme, None if anonymous else signed_in)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"axe-{request.node.name}.png".replace("/", "_")))
    context.close()


def test_the_timeline_with_an_asset_open_has_no_severe_violation(opened: Page) -> None:
    opened.goto("/")
    opened.wait_for_selector("html[data-ready=true]", state="attached")
    opened.locator("button.asset", has_text="clip.mp4").click()
    expect(opened.locator("#editor-title")).to_have_text("clip.mp4")

    found = severe_violations(opened)
    assert found == [], "\n".join(found)


@pytest.fixture(scope="module")
def compared_job(ui_server: MprServer, signed_in: dict[str, Any]) -> str:
    """A completed cut of clip.mp4, for the compare view."""
    assets = ui_server.data('query { assets(location: "input") { id filename } }')["assets"]
    clip = next(a["id"] for a in assets if a["filename"] == "clip.mp4")
    job = ui_server.data("""mutation($a: ID!, $p: ID!) { createJob(input: {sourceAssetId: $a,
        presetId: $p, trimStart: 1, trimEnd: 3}) { id } }""",
                         {"a": clip, "p": ui_server.preset_ids()["copy"]})["createJob"]["id"]
    ui_server.wait_for_job(job)
    return str(job)


def test_the_compare_view_has_no_severe_violation(opened: Page, compared_job: str) -> None:
    opened.goto("/")
    opened.wait_for_selector("html[data-ready=true]", state="attached")
    opened.locator(f"[data-job='{compared_job}']").get_by_role(
        "button", name="Compare job clip.mp4 to copy").click()
    expect(opened.locator("#compare-dialog dl").last).to_contain_text("Cut")

    found = severe_violations(opened)
    assert found == [], "\n".join(found)


def test_a_completed_jobs_card_has_no_severe_violation(opened: Page, compared_job: str) -> None:
    opened.goto("/")
    opened.wait_for_selector("html[data-ready=true]", state="attached")
    card = opened.locator(f"[data-job='{compared_job}']")
    # every action a finished job offers is on the card when axe looks, named by its text
    for role, name in (("button", "Play"), ("button", "Compare"), ("link", "Download"),
                       ("link", "Show asset")):
        expect(card.get_by_role(role, name=name)).to_be_visible()  # type: ignore[arg-type]

    found = severe_violations(opened)
    assert found == [], "\n".join(found)


def test_the_login_page_has_no_severe_violation(opened: Page) -> None:
    opened.goto("/login")

    found = severe_violations(opened)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("listing", ADMIN_LISTS)
def test_the_admin_lists_have_no_severe_violation(opened: Page, listing: str) -> None:
    opened.goto(f"/admin/{listing}/list")
    expect(opened.locator("table")).to_have_count(1)

    found = severe_violations(opened)
    assert found == [], "\n".join(found)


def test_the_preset_editor_showing_a_refusal_has_no_severe_violation(opened: Page) -> None:
    opened.goto("/")
    opened.wait_for_selector("html[data-ready=true]", state="attached")
    opened.get_by_role("button", name="Presets", exact=True).click()
    dialog = opened.locator("#preset-dialog")
    dialog.get_by_role("button", name="New preset").click()
    dialog.get_by_role("button", name="Create preset").click()
    expect(dialog.locator("#pe-name-error")).to_have_text("a preset needs a name")

    found = severe_violations(opened)
    assert found == [], "\n".join(found)
