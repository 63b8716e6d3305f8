"""Signing in and out of the Timeline UI in a real browser; a viewer sees no destructive
controls, and a destructive call made anyway is refused with a clear message."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.integration.browser_fixtures import BrowserWatch, sign_in
from tests.integration.server_fixtures import MprServer

pytestmark = pytest.mark.slow
VIEWER, VIEWER_PASSWORD = "vera", "a viewer's long password"


@pytest.fixture(scope="module")
def viewer(ui_server: MprServer) -> str:
    ui_server.data("mutation { scanMediaFolder { found } }")
    ui_server.data("""mutation($n: String!, $p: String!) { createUser(username: $n,
        role: "viewer", password: $p) { id } }""", {"n": VIEWER, "p": VIEWER_PASSWORD})
    return VIEWER


def test_the_timeline_asks_to_sign_in_first(page: Page, watch: BrowserWatch) -> None:
    page.goto("/")

    expect(page).to_have_url(f"{watch.base_url}/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    watch.assert_clean()


def test_an_admin_signs_in_sees_every_control_and_signs_out(page: Page,
                                                            watch: BrowserWatch) -> None:
    sign_in(page)
    expect(page.locator("#who")).to_have_text("admin · admin")
    expect(page.get_by_role("button", name="Scan")).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(f"{watch.base_url}/login")
    page.goto("/")
    expect(page).to_have_url(f"{watch.base_url}/login")
    watch.assert_clean()


def test_a_viewer_sees_no_destructive_controls_and_is_told_why_a_call_is_refused(
        page: Page, viewer: str, watch: BrowserWatch) -> None:
    sign_in(page, viewer, VIEWER_PASSWORD)
    expect(page.locator("#who")).to_have_text(f"{viewer} · viewer")
    page.locator("button.asset").first.click()
    expect(page.locator("#player")).to_be_visible()

    watch.expect_refusal("/graphql")  # the call below is answered 403, as it must be
    refused = page.evaluate("""async () => {
        const { scanMedia } = await import("/static/ui/js/api.js");
        try { await scanMedia(); return "allowed"; } catch (e) { return `${e.code}: ${e.message}`; }
    }""")

    for name in ("Scan", "Create job", "Cancel", "Retry"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    expect(page.locator("#comments")).not_to_be_editable()
    expect(page.get_by_role("link", name="Download").first).to_be_visible()
    assert refused.startswith("FORBIDDEN: ")
    assert "needs the operator role" in refused
    watch.assert_clean()
