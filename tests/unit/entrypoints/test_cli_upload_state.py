"""`mpr upload`'s resume state: one URL per server, file path, size and modification time."""

import os

from mpr.entrypoints.cli_upload import ResumeState
from mpr.entrypoints.tus_client import encode_metadata


def test_a_kept_url_is_found_again_until_the_file_changes(tmp_path):
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"abc")
    state = ResumeState(tmp_path / "state" / "uploads.json")
    key = ResumeState.key("http://mpr", media)
    state.put(key, "http://mpr/api/uploads/1")

    again = ResumeState(tmp_path / "state" / "uploads.json")
    media.write_bytes(b"abcd")
    os.utime(media, ns=(1, 1))

    assert again.get(key) == "http://mpr/api/uploads/1"
    assert ResumeState.key("http://mpr", media) != key
    assert ResumeState.key("http://other", media) != ResumeState.key("http://mpr", media)


def test_a_finished_upload_is_forgotten_and_a_broken_state_file_is_empty(tmp_path):
    path = tmp_path / "uploads.json"
    state = ResumeState(path)
    state.put("k", "u")
    state.put("k", None)
    path.with_name("broken.json").write_text("{not json")

    assert ResumeState(path).get("k") is None
    assert ResumeState(path.with_name("broken.json")).get("k") is None


def test_metadata_is_tus_encoded():
    assert encode_metadata({"filename": "é.mp4", "presets": "a,b"}) == (
        "filename w6kubXA0,presets YSxi")
