"""Presets and the first run in the Timeline UI: the first page offers to register the media
waiting in the input folder; operators duplicate a builtin, edit, and delete their presets in
a dialog whose refusals are the API's own, shown beside the field they name."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.integration.browser_fixtures import ARTIFACTS, BrowserWatch, sign_in
from tests.integration.server_fixtures import MprServer

pytestmark = pytest.mark.slow
OPERATOR, VIEWER, PASSWORD = "olivia", "victor", "a long enough password"
PRESET = "query { presets { id name description videoCrf resolution createdBy } }"
HOSTILE = '<img src=x onerror="window.pwned = 1">'


def user(server: MprServer, name: str, role: str) -> None:
    server.data("""mutation($n: String!, $r: String!, $p: String!) {
        createUser(username: $n, role: $r, password: $p) { id } }""",
                {"n": name, "r": role, "p": PASSWORD})


def stored(server: MprServer, name: str) -> dict[str, object] | None:
    return next((p for p in server.data(PRESET)["presets"] if p["name"] == name), None)


def registered(server: MprServer) -> None:
    server.data("mutation { scanMediaFolder { found } }")


def open_editor(page: Page) -> None:
    page.locator("button.asset", has_text="clip.mp4").click()
    page.get_by_role("button", name="Edit presets…").click()
    expect(page.locator("#preset-dialog")).to_be_visible()


def test_the_first_page_says_media_wait_and_registers_them_on_request(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    # this module's server starts with its clips in the input folder and nothing registered
    sign_in(page)

    hint = page.locator("#first-run")
    expect(hint).to_contain_text("3 media files are waiting")
    expect(hint).to_contain_text("clip.mp4, long.mp4, other-take.mp4")
    expect(page.locator("#scan")).to_have_class(re.compile(r"\bprimary\b"))
    page.screenshot(path=str(ARTIFACTS / "first-run-hint.png"))
    page.get_by_role("button", name="Register all 3").click()

    expect(page.locator("#scan-result")).to_contain_text("registered 3 new")
    expect(hint).to_have_count(0)
    expect(page.locator("button.asset")).to_have_count(3)
    expect(page.locator("#scan")).not_to_have_class(re.compile(r"\bprimary\b"))
    page.reload()
    page.wait_for_selector("html[data-ready=true]", state="attached")
    expect(page.locator("button.asset")).to_have_count(3)
    expect(page.locator("#first-run")).to_have_count(0)
    watch.assert_clean()


def test_an_operator_duplicates_a_builtin_is_refused_beside_the_field_then_saves_and_edits(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    registered(ui_server)
    user(ui_server, OPERATOR, "operator")
    sign_in(page, OPERATOR, PASSWORD)
    open_editor(page)
    dialog = page.locator("#preset-dialog")

    expect(dialog.locator("#pe-pick option:checked")).to_have_text("h264-720p")
    expect(dialog.locator("#pe-note")).to_contain_text("h264-720p is builtin and read-only")
    expect(dialog.locator("#pe-name")).to_be_disabled()
    expect(dialog.get_by_role("button", name="Save changes")).to_be_hidden()
    expect(dialog.get_by_role("button", name="Delete")).to_be_hidden()
    dialog.get_by_role("button", name="Duplicate").click()
    expect(dialog.get_by_label("Name")).to_have_value("h264-720p-copy")
    expect(dialog.get_by_label("Name")).to_be_focused()
    dialog.get_by_label("Name").fill("small-720p")
    dialog.get_by_label("Video CRF").fill("99")
    dialog.get_by_role("button", name="Create preset").click()

    crf_error = dialog.locator("#pe-videoCrf-error")
    expect(crf_error).to_have_text("video CRF for libx264 must be between 0 and 51")
    expect(dialog.get_by_label("Video CRF")).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("Video CRF")).to_be_focused()
    expect(dialog.locator("#pe-status")).to_have_text("Not saved: see Video CRF.")
    page.screenshot(path=str(ARTIFACTS / "preset-editor-refusal.png"))
    assert stored(ui_server, "small-720p") is None

    dialog.get_by_label("Video CRF").fill("28")
    expect(dialog.locator("#pe-summary")).to_have_text(
        "Makes: H.264 fit in 1280\u00d7720 CRF 28 · AAC 128k stereo · mp4")
    dialog.get_by_role("button", name="Create preset").click()
    expect(dialog.locator("#pe-status")).to_have_text("Saved small-720p.")
    expect(crf_error).to_be_empty()
    saved = stored(ui_server, "small-720p")
    assert saved is not None
    assert (saved["videoCrf"], saved["createdBy"]) == (28, f"user:{OPERATOR}")
    expect(page.locator("#preset option:checked")).to_have_text("small-720p")
    expect(page.locator("#preset-summary")).to_have_text(
        "H.264 fit in 1280\u00d7720 CRF 28 · AAC 128k stereo · mp4")
    expect(page.locator("#upload-preset option", has_text="small-720p")).to_have_count(1)

    dialog.get_by_label("Resolution box").fill("640x360")
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog.locator("#pe-status")).to_have_text("Saved small-720p.")
    assert stored(ui_server, "small-720p") == {**saved, "resolution": "640x360"}
    expect(page.locator("#preset-summary")).to_contain_text("fit in 640\u00d7360 CRF 28")
    page.screenshot(path=str(ARTIFACTS / "preset-editor-saved.png"))
    watch.assert_clean()


def test_refusals_of_the_api_layer_and_of_the_names_go_beside_their_field_too(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    registered(ui_server)
    made = ui_server.data("""mutation { createPreset(input: {name: "mine", container: "mp4",
        videoCodec: "libx264", audioCodec: "aac"}) { id } }""")["createPreset"]
    sign_in(page)
    open_editor(page)
    dialog = page.locator("#preset-dialog")
    dialog.get_by_label("Preset to show").select_option(label="mine")

    dialog.get_by_label("Video CRF").fill("3.5")
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog.locator("#pe-videoCrf-error")).to_contain_text(
        "Int cannot represent non-integer value: 3.5")
    dialog.get_by_label("Video CRF").fill("")
    dialog.get_by_label("Name").fill("h264-720p")
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog.locator("#pe-name-error")).to_have_text("a preset named h264-720p already exists")
    expect(dialog.locator("#pe-videoCrf-error")).to_be_empty()
    dialog.get_by_label("Name").fill("mine")
    dialog.get_by_label("Container").select_option("webm")
    dialog.get_by_role("button", name="Save changes").click()

    expect(dialog.locator("#pe-videoCodec-error")).to_have_text(
        "container webm cannot hold video codec libx264")
    expect(dialog.locator("#pe-name-error")).to_be_empty()
    kept = stored(ui_server, "mine")
    assert kept is not None
    assert (kept["id"], kept["videoCrf"]) == (made["id"], None)
    watch.assert_clean()


def test_an_own_preset_is_deleted_after_confirming_and_leaves_the_pickers(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    registered(ui_server)
    ui_server.data("""mutation { createPreset(input: {name: "doomed", container: "m4a",
        audioCodec: "aac"}) { id } }""")
    sign_in(page)
    open_editor(page)
    dialog = page.locator("#preset-dialog")
    dialog.get_by_label("Preset to show").select_option(label="doomed")
    expect(dialog.locator("#pe-note")).to_contain_text("Your preset doomed")

    dialog.get_by_role("button", name="Delete").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Keep it").click()
    assert stored(ui_server, "doomed") is not None
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator("#confirm-dialog")).to_contain_text("Delete doomed?")
    page.locator("#confirm-dialog").get_by_role("button", name="Delete").click()

    expect(dialog.locator("#pe-status")).to_have_text("Deleted doomed.")
    assert stored(ui_server, "doomed") is None
    expect(page.locator("#preset option", has_text="doomed")).to_have_count(0)
    expect(dialog.locator("#pe-pick option", has_text="doomed")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    watch.assert_clean()


def test_a_hostile_description_is_shown_as_text_and_new_presets_start_from_defaults(
        page: Page, ui_server: MprServer, watch: BrowserWatch) -> None:
    registered(ui_server)
    ui_server.data("""mutation($d: String!) { createPreset(input: {name: "hostile",
        description: $d, container: "mp3", audioCodec: "libmp3lame"}) { id } }""", {"d": HOSTILE})
    sign_in(page)
    open_editor(page)
    dialog = page.locator("#preset-dialog")

    dialog.get_by_label("Preset to show").select_option(label="hostile")

    expect(dialog.get_by_label("Description")).to_have_value(HOSTILE)
    expect(dialog.locator("img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
    dialog.get_by_role("button", name="New preset").click()
    expect(dialog.get_by_label("Name")).to_have_value("")
    expect(dialog.get_by_label("Name")).to_be_focused()
    dialog.get_by_role("button", name="Create preset").click()
    expect(dialog.locator("#pe-name-error")).to_have_text("a preset needs a name")
    error = ui_server.error("""mutation($id: ID!) { updatePreset(id: $id, input: {name: null})
        { id } }""", {"id": str(stored(ui_server, "hostile")["id"])})  # type: ignore[index]
    assert (error["message"], error["extensions"]) == (
        "a preset needs a name", {"code": "BAD_USER_INPUT", "field": "name"})
    watch.assert_clean()


def test_a_viewer_gets_no_preset_editor(page: Page, ui_server: MprServer,
                                        watch: BrowserWatch) -> None:
    user(ui_server, VIEWER, "viewer")

    sign_in(page, VIEWER, PASSWORD)

    openers = page.locator("[data-opens=presets]")
    expect(openers).to_have_count(2)
    for opener in openers.all():
        expect(opener).to_be_hidden()
    watch.assert_clean()
