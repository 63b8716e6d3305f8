"""The output check: a finished output must last what was asked and hold the asked streams."""

import uuid

import pytest

from mpr.application.output_check import check_output
from mpr.domain.errors import OutputCheckFailed
from mpr.domain.job import Trim
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.preset import COPY
from tests.factories import make_media, make_preset


def make_spec(trim: Trim | None = None, duration: float | None = 10.0, *, copy: bool = False,
              video: bool | None = True, audio: bool | None = True) -> TranscodeSpec:
    preset = make_preset(video_codec=COPY, audio_codec=COPY, container=None, video_crf=None,
                         video_preset=None, resolution=None, audio_bitrate=None,
                         audio_channels=None) if copy else make_preset()
    return TranscodeSpec(job_id=uuid.uuid4(), source_path="clip.mp4", source_duration=duration,
                         preset=preset, trim=trim or Trim(), output_path="out.mp4",
                         source_has_video=video, source_has_audio=audio)


def test_an_output_of_the_source_length_passes_without_warning():
    assert check_output(make_spec(), make_media(duration=10.04)) == ()


def test_a_short_output_fails_saying_the_source_appears_truncated():
    with pytest.raises(OutputCheckFailed) as failed:
        check_output(make_spec(), make_media(duration=1.03))

    assert str(failed.value) == ("output lasts 1.03 s, 10.00 s expected: the source appears "
                                 "truncated near 1.0 s")


def test_a_short_trim_says_where_in_the_source_it_stopped():
    with pytest.raises(OutputCheckFailed, match=r"3.00 s expected: .* truncated near 5.5 s"):
        check_output(make_spec(Trim(4.0, 7.0)), make_media(duration=1.5))


def test_the_tolerance_is_half_a_second_or_two_percent():
    long = make_spec(duration=600.0)

    check_output(make_spec(), make_media(duration=9.51))
    check_output(long, make_media(duration=588.5))
    with pytest.raises(OutputCheckFailed):
        check_output(make_spec(), make_media(duration=9.49))
    with pytest.raises(OutputCheckFailed):
        check_output(long, make_media(duration=587.9))


def test_a_re_encode_longer_than_asked_fails():
    with pytest.raises(OutputCheckFailed, match=r"^output lasts 3.20 s, 2.00 s expected$"):
        check_output(make_spec(Trim(1.0, 3.0)), make_media(duration=3.2))


def test_a_copy_cut_that_starts_at_an_earlier_keyframe_passes_with_a_warning():
    warnings = check_output(make_spec(Trim(3.3, 5.3), copy=True), make_media(duration=5.32))

    assert warnings == ("the copy cut starts 3.30 s before trimStart 3.3 s, at the keyframe "
                        "near 0.00 s",)


def test_a_copy_cut_from_a_keyframe_inside_the_media_names_it():
    warnings = check_output(make_spec(Trim(3.3, 5.3), copy=True), make_media(duration=3.1))

    assert warnings == ("the copy cut starts 1.10 s before trimStart 3.3 s, at the keyframe "
                        "near 2.20 s",)


def test_a_copy_cut_close_to_its_start_does_not_warn():
    assert check_output(make_spec(Trim(3.3, 5.3), copy=True), make_media(duration=2.33)) == ()


def test_a_copy_cut_shorter_than_asked_still_fails():
    with pytest.raises(OutputCheckFailed, match="truncated"):
        check_output(make_spec(Trim(3.3, 5.3), copy=True), make_media(duration=1.0))


def test_an_unknown_length_is_not_checked():
    check_output(make_spec(duration=None), make_media(duration=1.0))
    check_output(make_spec(), make_media(duration=None))


def test_a_missing_video_stream_fails():
    with pytest.raises(OutputCheckFailed, match="no video stream, though the source has one"):
        check_output(make_spec(), make_media(video_codec=None))


def test_a_missing_audio_stream_fails_only_when_the_source_had_audio():
    check_output(make_spec(audio=False), make_media(audio_codec=None))
    check_output(make_spec(audio=None), make_media(audio_codec=None))
    with pytest.raises(OutputCheckFailed, match="no audio stream"):
        check_output(make_spec(), make_media(audio_codec=None))
