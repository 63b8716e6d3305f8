"""Upload keys and PATCH rules."""

import uuid
from datetime import UTC, datetime

import pytest

from mpr.domain.upload import (
    OffsetMismatch,
    Upload,
    UploadOptions,
    UploadState,
    UploadTooLarge,
    upload_key,
)

ID = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("name", "key"), [
    ("clip.mp4", "uploads/clip.mp4"),
    ("Été à Paris.MOV", "uploads/Été_à_Paris.mov"),
    ("a;rm -rf $HOME.mkv", "uploads/a_rm_-rf_HOME.mkv"),
    ("...mp4.mp4", "uploads/mp4.mp4"),
    ("$$$.mp3", "uploads/upload.mp3"),
])
def test_keys_keep_the_safe_part_of_the_name(name, key):
    assert upload_key(name, ID, 0) == key


def test_later_attempts_add_more_of_the_upload_id():
    keys = [upload_key("clip.mp4", ID, n) for n in range(4)]

    assert keys[1] == "uploads/clip-12345678.mp4"
    assert len(set(keys)) == 4


def test_long_names_are_cut():
    assert len(upload_key("x" * 500 + ".mp4", ID, 3)) < 150


def make_upload(**overrides) -> Upload:
    values = {"id": ID, "length": 10, "options": UploadOptions("a.mp4"), "created_by": "u",
              "created_at": NOW, "expires_at": NOW, "offset": 4}
    return Upload(**(values | overrides))


def test_a_patch_continues_at_the_offset_within_the_length():
    upload = make_upload()

    upload.check_patch(4, 6)
    with pytest.raises(OffsetMismatch, match="HEAD"):
        upload.check_patch(0, 1)
    with pytest.raises(UploadTooLarge):
        upload.check_patch(4, 7)
    with pytest.raises(OffsetMismatch, match="complete"):
        make_upload(state=UploadState.DONE).check_patch(4, 0)
