"""The Timeline UI shows a job's warnings on its card, as plain text."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from mpr.adapters.ffmpeg.samples import make_test_clip
from tests.integration.browser_fixtures import ADMIN_PASSWORD, ADMIN_USER, BrowserWatch, sign_in
from tests.integration.media import FFMPEG, run_async
from tests.integration.server_fixtures import MprServer, running_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    """`mpr serve` with one clip whose media data holds garbage: it encodes, with warnings."""
    data_dir = tmp_path_factory.mktemp("mpr-ui-warnings")
    clip = data_dir / "media" / "in" / "damaged.mp4"
    clip.parent.mkdir(parents=True)
    run_async(make_test_clip(FFMPEG, clip, duration=4, width=320, height=180,
                             codec_args=["-c:v", "libx264", "-preset", "ultrafast",
                                         "-c:a", "aac", "-movflags", "+faststart"]))
    data = bytearray(clip.read_bytes())
    data[len(data) // 2:len(data) // 2 + 16384] = random.Random(7).randbytes(16384)
    clip.write_bytes(bytes(data))
    env = {"MPR_SAMPLES": "false", "MPR_ADMIN_USERNAME": ADMIN_USER,
           "MPR_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with running_server("ui-warnings", data_dir, env) as server:
        yield server


def test_a_job_card_lists_the_warnings_of_its_run(page: Page, ui_server: MprServer,
                                                  watch: BrowserWatch) -> None:
    ui_server.data("mutation { scanMediaFolder { registered } }")
    asset = ui_server.data("query { assets { id } }")["assets"][0]["id"]
    preset = ui_server.preset_ids()["h264-480p"]
    created = ui_server.data(
        "mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }",
        {"input": {"sourceAssetId": asset, "presetId": preset}})["createJob"]["id"]
    ui_server.wait_for_job(created)
    warnings = ui_server.data("query ($id: ID!) { job(id: $id) { warnings } }",
                              {"id": created})["job"]["warnings"]
    assert warnings

    sign_in(page)

    card = page.locator(f'.job[data-job="{created}"]')
    expect(card).to_have_attribute("data-status", "completed")
    summary = card.locator(".job-warnings summary")
    expect(summary).to_have_text("1 warning" if len(warnings) == 1 else f"{len(warnings)} warnings")
    summary.click()
    expect(card.locator(".job-warnings li")).to_have_text(warnings)
    watch.assert_clean()
