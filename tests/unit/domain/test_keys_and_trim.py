import pytest

from mpr.domain.errors import ValidationError
from mpr.domain.job import Trim
from mpr.domain.keys import normalise_key, safe_filename
from mpr.domain.media import extension_of, is_media_filename


@pytest.mark.parametrize("key", ["../etc/passwd", "a/../../b", "/abs/file.mp4", "", "a\x00b",
                                 "a\\..\\b", "./.."])
def test_keys_that_could_escape_the_store_are_refused(key):
    with pytest.raises(ValidationError):
        normalise_key(key)


@pytest.mark.parametrize(("key", "expected"), [
    ("-rf clip.mp4", "-rf clip.mp4"), ("dir//sub/./é clip.mp4", "dir/sub/é clip.mp4"),
    ("a+b#c.mov", "a+b#c.mov")])
def test_hostile_but_safe_names_are_kept(key, expected):
    assert normalise_key(key) == expected


@pytest.mark.parametrize("name", ["a/b.mp4", "..", ".hidden.mp4", "x\\y.mp4", ""])
def test_output_filenames_must_be_plain_names(name):
    with pytest.raises(ValidationError):
        safe_filename(name)


def test_media_files_are_recognised_by_extension():
    assert is_media_filename("dir/Clip.MP4")
    assert is_media_filename("song.mp3")
    assert not is_media_filename("notes.txt")
    assert not is_media_filename(".mp4")
    assert extension_of("a.b/c") == ""


@pytest.mark.parametrize(("start", "end", "message"), [
    (-1, None, "negative"), (5, 2, "before trimEnd"), (None, 20, "outside the media"),
    (10, None, "outside the media"), (None, 0, "after the start")])
def test_impossible_trims_are_refused(start, end, message):
    with pytest.raises(ValidationError, match=message):
        Trim(start, end).check_within(10.0)


def test_trim_length_uses_the_media_duration_for_an_open_end():
    assert Trim(2.5, None).length(10.0) == 7.5
    assert Trim(0.5, 2.5).length(10.0) == 2.0
    assert Trim().length(None) is None
