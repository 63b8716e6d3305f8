"""The admin in a real browser: login, job filters and actions, preset edits, read-only builtins."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.integration.browser_fixtures import ADMIN_PASSWORD, ADMIN_USER, BrowserWatch
from tests.integration.server_fixtures import MprServer, running_server

pytestmark = pytest.mark.slow

CREATE_JOB = """mutation($input: CreateJobInput!) { createJob(input: $input) { id } }"""
CREATE_PRESET = """mutation($input: PresetInput!) { createPreset(input: $input) { id } }"""
PRESET = "query($id: ID!) { preset(id: $id) { name videoCrf resolution } }"


@pytest.fixture(scope="module")
def jobs(ui_server: MprServer) -> dict[str, str]:
    """One completed and one cancelled job, by status."""
    ui_server.data("mutation { scanMediaFolder { found } }")
    assets = {a["filename"]: a["id"] for a in ui_server.data(
        "query { assets { id filename } }")["assets"]}
    presets = ui_server.preset_ids()
    done = ui_server.data(CREATE_JOB, {"input": {"sourceAssetId": assets["clip.mp4"],
                                                 "presetId": presets["copy"]}})["createJob"]
    ui_server.wait_for_job(done["id"])
    long = ui_server.data(CREATE_JOB, {"input": {"sourceAssetId": assets["long.mp4"],
                                                 "presetId": presets["h265-1080p"]}})
    cancelled = long["createJob"]["id"]
    ui_server.data("mutation($id: ID!) { cancelJob(id: $id) { id } }", {"id": cancelled})
    return {"completed": done["id"], "cancelled": cancelled}


def sign_in(page: Page, password: str = ADMIN_PASSWORD) -> None:
    page.fill("input[name=username]", ADMIN_USER)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()


def log_in(page: Page, password: str = ADMIN_PASSWORD) -> None:
    page.goto("/admin/")
    sign_in(page, password)
    expect(page.get_by_role("link", name="Jobs")).to_be_visible()


def test_refuses_a_wrong_password_then_lets_the_admin_in(page: Page,
                                                         watch: BrowserWatch) -> None:
    page.goto("/admin/job-row/list")
    expect(page).to_have_url(f"{watch.base_url}/login?next=/admin/job-row/list")

    watch.expect_refusal("/login")
    sign_in(page, password="a wrong guess")
    expect(page.locator("#login-error")).to_have_text("invalid username or password")
    sign_in(page)

    expect(page).to_have_url(f"{watch.base_url}/admin/job-row/list")
    expect(page.get_by_role("link", name="Jobs")).to_be_visible()
    watch.assert_clean()


def test_filters_jobs_by_status(page: Page, jobs: dict[str, str], watch: BrowserWatch) -> None:
    log_in(page)
    page.goto("/admin/job-row/list")
    expect(page.locator("tbody tr")).to_have_count(2)

    page.get_by_role("link", name="cancelled", exact=True).click()

    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("cancelled")
    watch.assert_clean()


def test_retries_a_cancelled_job_with_an_action(page: Page, ui_server: MprServer,
                                                jobs: dict[str, str],
                                                watch: BrowserWatch) -> None:
    log_in(page)
    page.goto(f"/admin/job-row/details/{jobs['cancelled']}")

    page.get_by_role("link", name="Retry job").click()
    page.get_by_role("link", name="Yes").click()

    expect(page.locator(".toast-body").first).to_contain_text("1 job(s) queued again")
    assert ui_server.job(jobs["cancelled"])["status"] in ("pending", "processing")
    ui_server.data("mutation($id: ID!) { cancelJob(id: $id) { id } }", {"id": jobs["cancelled"]})
    watch.assert_clean()


def test_edits_a_user_preset_with_the_api_validation(page: Page, ui_server: MprServer,
                                                     watch: BrowserWatch) -> None:
    preset = ui_server.data(CREATE_PRESET, {"input": {
        "name": "small-h264", "container": "mp4", "videoCodec": "libx264", "videoCrf": 28,
        "audioCodec": "aac"}})["createPreset"]["id"]
    log_in(page)
    page.goto(f"/admin/preset-row/edit/{preset}")

    watch.expect_refusal(f"/admin/preset-row/edit/{preset}")
    page.fill("input[name=video_crf]", "99")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("video CRF for libx264 must be between 0 and 51")).to_be_visible()
    page.fill("input[name=video_crf]", "30")
    page.fill("input[name=resolution]", "640x360")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(f"{watch.base_url}/admin/preset-row/list")
    stored = ui_server.data(PRESET, {"id": preset})["preset"]
    assert (stored["videoCrf"], stored["resolution"]) == (30, "640x360")
    watch.assert_clean()


def test_edits_asset_comments_and_tags(page: Page, ui_server: MprServer, jobs: dict[str, str],
                                       watch: BrowserWatch) -> None:
    asset = next(a for a in ui_server.data("query { assets { id filename } }")["assets"]
                 if a["filename"] == "clip.mp4")
    log_in(page)
    page.goto(f"/admin/asset-row/edit/{asset['id']}")

    page.fill("textarea[name=comments]", "approved by the editor")
    page.fill("input[name=tags]", "promo, 2026 ,promo")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(f"{watch.base_url}/admin/asset-row/list")
    stored = ui_server.data("query($id: ID!) { asset(id: $id) { comments tags } }",
                            {"id": asset["id"]})["asset"]
    assert stored == {"comments": "approved by the editor", "tags": ["promo", "2026"]}
    watch.assert_clean()


def test_refuses_to_edit_a_builtin_preset(page: Page, ui_server: MprServer,
                                          watch: BrowserWatch) -> None:
    builtin = ui_server.preset_ids()["h264-720p"]
    log_in(page)
    page.goto(f"/admin/preset-row/details/{builtin}")
    expect(page.get_by_text("h264-720p").first).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)

    form = page.request.get(f"/admin/preset-row/edit/{builtin}")
    posted = page.request.post(f"/admin/preset-row/edit/{builtin}",
                               form={"name": "h264-720p", "video_crf": "40"})

    assert (form.status, posted.status) == (403, 403)
    assert ui_server.data(PRESET, {"id": builtin})["preset"]["videoCrf"] != 40
    watch.assert_clean()


def test_embedded_serve_without_a_password_prints_one_that_opens_the_admin(
        tmp_path: Path) -> None:
    with running_server("no-password", tmp_path / "data", {"MPR_SAMPLES": "false"}) as server:
        printed = re.search(r"user admin, password (\S+) - shown only now",
                            server.log_path.read_text())
        assert printed is not None, server.log_tail()
        with httpx.Client(base_url=server.base_url) as browser:
            login = browser.post("/login", data={"username": "admin", "password": printed[1],
                                                 "next": "/admin/"})
            admin = browser.get("/admin/job-row/list")

    assert login.status_code == 303
    assert login.headers["location"] == "/admin/"
    assert "httponly" in login.headers["set-cookie"].lower()
    assert admin.status_code == 200


def test_a_second_start_prints_no_password(tmp_path: Path) -> None:
    with running_server("first", tmp_path / "data", {"MPR_SAMPLES": "false"}):
        pass
    with running_server("second", tmp_path / "data", {"MPR_SAMPLES": "false"}) as server:
        log = server.log_path.read_text()

    assert "shown only now" not in log
