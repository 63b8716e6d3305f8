"""tus header parsing: every hostile value is refused with a message naming the header."""

import base64
import hashlib

import pytest

from mpr.domain.errors import Forbidden, NotFound, Unauthenticated, ValidationError
from mpr.domain.upload import ChecksumMismatch, NotMedia, OffsetMismatch, StagingFull, UploadGone
from mpr.entrypoints.web.uploads.tus import (
    options_of,
    parse_checksum,
    parse_metadata,
    parse_size,
    status_of,
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_metadata_pairs_decode_and_a_key_may_come_without_a_value():
    parsed = parse_metadata(f"filename {b64('clé.mp4')},is_confidential, presets {b64('a,b')}")

    assert parsed == {"filename": "clé.mp4", "is_confidential": "", "presets": "a,b"}


@pytest.mark.parametrize(("header", "message"), [
    ("filename ###", "not base64"),
    ("filename " + base64.b64encode(bytes([0xFF, 0xFE])).decode(), "not base64 of UTF-8"),
    (f"filename {b64('a')},filename {b64('b')}", "twice"),
    (f"bad\x01key {b64('a')}", "printable ASCII"),
    ("k " + "A" * 5000, "larger than"),
    (",".join(f"k{i}" for i in range(40)), "more than"),
])
def test_hostile_metadata_is_refused(header, message):
    with pytest.raises(ValidationError, match=message):
        parse_metadata(header)


@pytest.mark.parametrize("value", ["-1", "1e9", "", " ", "9" * 20, "0x10", "\uff11\uff12"])
def test_sizes_are_plain_non_negative_whole_numbers(value):
    with pytest.raises(ValidationError, match="Upload-Length"):
        parse_size(value, "Upload-Length")


def test_a_missing_size_is_named():
    with pytest.raises(ValidationError, match="Upload-Offset is required"):
        parse_size(None, "Upload-Offset")


def test_options_take_uppys_name_presets_once_each_and_a_trim():
    options = options_of({"name": "a.mp4", "presets": "x, y,x", "trimStart": "1.5"})

    assert (options.filename, options.presets, options.trim_start, options.trim_end) == (
        "a.mp4", ("x", "y"), 1.5, None)


@pytest.mark.parametrize("trim", ["inf", "nan", "soon"])
def test_a_trim_must_be_a_finite_number(trim):
    with pytest.raises(ValidationError, match="trimEnd"):
        options_of({"filename": "a.mp4", "trimEnd": trim})


def test_checksums_name_a_known_algorithm_and_a_digest_of_its_length():
    digest = base64.b64encode(hashlib.sha256(b"x").digest()).decode()

    assert parse_checksum(f"sha256 {digest}") == ("sha256", hashlib.sha256(b"x").digest())
    with pytest.raises(ValidationError, match="not one of"):
        parse_checksum(f"crc32 {digest}")
    with pytest.raises(ValidationError, match="wrong length"):
        parse_checksum(f"sha1 {digest}")


@pytest.mark.parametrize(("error", "status"), [
    (Unauthenticated(), 401), (Forbidden("no"), 403), (UploadGone("upload", 1), 410),
    (NotFound("upload", 1), 404), (ChecksumMismatch("x"), 460), (NotMedia("x"), 422),
    (StagingFull("x"), 507), (OffsetMismatch("x"), 409), (ValidationError("x"), 400),
])
def test_each_error_answers_with_its_tus_status(error, status):
    assert status_of(error) == status
