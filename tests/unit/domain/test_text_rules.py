import pytest

from mpr.domain.asset import MAX_COMMENTS_LENGTH, normalise_tags
from mpr.domain.errors import ValidationError
from mpr.domain.keys import MAX_FILENAME_BYTES, MAX_KEY_BYTES, normalise_key, safe_filename
from mpr.domain.text import check_free_text, truncate_utf8, utf8_size, without_hidden_characters
from tests.factories import NOW, make_asset

HIDDEN = ["\u202e", "\u200e", "\u200f", "\u202a", "\u2066", "\u2069", "\u200b", "\ufeff",
          "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\ud800"]


@pytest.mark.parametrize("char", HIDDEN)
def test_output_filenames_with_control_or_bidi_characters_are_refused(char):
    with pytest.raises(ValidationError, match="control or bidi"):
        safe_filename(f"evil{char}4pm.mp4")


def test_output_filename_length_is_measured_in_utf8_bytes():
    fits = "é" * ((MAX_FILENAME_BYTES - 4) // 2) + ".mp4"

    assert safe_filename(fits) == fits
    with pytest.raises(ValidationError, match=f"at most {MAX_FILENAME_BYTES} bytes"):
        safe_filename("é" * 250 + ".mp4")


def test_a_key_is_limited_to_1024_utf8_bytes_not_characters():
    assert normalise_key("a" * MAX_KEY_BYTES)
    with pytest.raises(ValidationError, match="bytes"):
        normalise_key("é" * 600)


@pytest.mark.parametrize("char", ["\u202e", "\x00", "\u200b"])
def test_tags_with_hidden_characters_are_refused(char):
    with pytest.raises(ValidationError, match="control or bidi"):
        normalise_tags(["fine", f"bad{char}tag"])


@pytest.mark.parametrize("text", ["null\x00byte", "escape\x1b[31m", "lone \ud800 surrogate"])
def test_comments_with_control_characters_are_refused_and_kept_unchanged(text):
    asset = make_asset(comments="before")

    with pytest.raises(ValidationError, match="control characters"):
        asset.annotate(NOW, comments=text)

    assert asset.comments == "before"


def test_comments_keep_line_breaks_tabs_and_right_to_left_marks():
    asset = make_asset()

    asset.annotate(NOW, comments="line 1\n\tline 2\r\n\u05e9\u05dc\u05d5\u05dd\u200f")

    assert asset.comments.endswith("\u200f")


def test_comments_are_limited_in_characters_whatever_their_byte_size():
    check_free_text("😀" * MAX_COMMENTS_LENGTH, "comments", MAX_COMMENTS_LENGTH)
    with pytest.raises(ValidationError, match=f"at most {MAX_COMMENTS_LENGTH} characters"):
        check_free_text("a" * (MAX_COMMENTS_LENGTH + 1), "comments", MAX_COMMENTS_LENGTH)


def test_truncation_never_splits_a_character():
    cut = truncate_utf8("aé😀" * 10, 8)

    assert utf8_size(cut) <= 8
    assert cut == "aé😀a"


def test_hidden_characters_can_be_removed_from_names_mpr_derives():
    assert without_hidden_characters("clip\u202e4pm.\x00mp4") == "clip4pm.mp4"
