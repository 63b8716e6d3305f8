import uuid

import pytest

from mpr.domain.builtin_presets import BUILTIN_PRESETS, COPY_PRESET
from mpr.domain.errors import ValidationError
from mpr.domain.preset import MAX_DESCRIPTION_LENGTH, TranscodePreset, bitrate_bps
from tests.factories import make_preset


def test_builtin_presets_have_the_stable_names_of_the_spec():
    assert [p.name for p in BUILTIN_PRESETS] == [
        "h264-1080p", "h264-720p", "h264-480p", "h265-1080p", "vp9-720p", "av1-720p",
        "aac-audio", "mp3-audio", "hls-ladder", "cmaf-ladder", "copy"]
    assert all(p.is_builtin for p in BUILTIN_PRESETS)


def test_copy_preset_keeps_the_source_container():
    assert COPY_PRESET.container is None
    assert COPY_PRESET.is_stream_copy


@pytest.mark.parametrize(("changes", "message"), [
    ({"video_codec": "h263"}, "unknown video codec"),
    ({"audio_codec": "-i /etc/passwd"}, "unknown audio codec"),
    ({"container": "exe"}, "unknown container"),
    ({"container": "webm"}, "cannot hold video codec libx264"),
    ({"container": "mp3", "video_codec": None, "resolution": None, "video_crf": None,
      "video_preset": None}, "cannot hold audio codec aac"),
    ({"resolution": "1280x720;rm"}, "resolution"),
    ({"video_preset": "fast -y /tmp/x"}, "video preset"),
    ({"video_bitrate": "lots"}, "video bitrate"),
    ({"video_crf": 99}, "CRF"),
    ({"audio_samplerate": 12345}, "sample rate"),
    ({"name": "../evil"}, "preset name"),
    ({"video_codec": None, "audio_codec": None}, "needs a video codec"),
    ({"video_codec": "copy"}, "video settings need"),
    ({"container": None}, "only a stream-copy"),
])
def test_invalid_presets_are_refused_with_a_clear_message(changes, message):
    with pytest.raises(ValidationError, match=message):
        make_preset(**changes)


def test_a_valid_user_preset_reports_its_box():
    preset = make_preset(resolution="1920x800")

    assert preset.box == (1920, 800)


def test_audio_only_preset_needs_no_video():
    preset = TranscodePreset(id=uuid.uuid4(), name="opus", container="ogg",
                             audio_codec="libopus", audio_bitrate="96k")

    assert not preset.needs_video


@pytest.mark.parametrize(("changes", "message"), [
    ({"video_preset": "9"}, "not valid for libx264"),
    ({"container": "webm", "video_codec": "libvpx-vp9", "video_preset": "medium",
      "audio_codec": "libopus"}, "not valid for libvpx-vp9"),
    ({"container": "webm", "video_codec": "libvpx-vp9", "video_preset": "4",
      "audio_codec": "libopus", "audio_bitrate": None, "audio_channels": None,
      "audio_samplerate": 44100}, "libopus must be one of"),
])
def test_encoder_settings_are_checked_per_codec(changes, message):
    with pytest.raises(ValidationError, match=message):
        make_preset(**changes)


@pytest.mark.parametrize("changes", [
    {"name": "h264-720p\n"}, {"video_bitrate": "1M\n"}, {"audio_bitrate": "128k\n"},
    {"resolution": "1280x720\n"}, {"video_preset": "fast\n"},
])
def test_a_trailing_newline_never_passes_a_pattern(changes):
    with pytest.raises(ValidationError):
        make_preset(**changes)


@pytest.mark.parametrize(("changes", "message"), [
    ({"video_bitrate": "9999999M"}, "between 8k and 500M"),
    ({"video_bitrate": "501M"}, "between 8k and 500M"),
    ({"video_bitrate": "7k"}, "between 8k and 500M"),
    ({"audio_bitrate": "1025k"}, "between 8k and 1024k"),
    ({"audio_bitrate": "2M"}, "between 8k and 1024k"),
    ({"audio_bitrate": "7999"}, "between 8k and 1024k"),
    ({"container": "mp3", "video_codec": None, "video_crf": None, "video_preset": None,
      "resolution": None, "audio_codec": "libmp3lame", "audio_bitrate": "321k"},
     "between 8k and 320k"),
    ({"container": "ogg", "video_codec": None, "video_crf": None, "video_preset": None,
      "resolution": None, "audio_codec": "libopus", "audio_bitrate": "512k",
      "audio_channels": 1}, "between 8k and 256k"),
])
def test_bitrates_are_bounded_per_kind_and_encoder(changes, message):
    with pytest.raises(ValidationError, match=message):
        make_preset(**changes)


@pytest.mark.parametrize(("changes", "bps"), [
    ({"video_bitrate": "500M"}, 500_000_000), ({"video_bitrate": "8000"}, 8_000),
    ({"audio_bitrate": "1024k"}, 1_024_000), ({"audio_bitrate": "1M"}, 1_000_000),
])
def test_bitrates_at_the_bounds_are_accepted(changes, bps):
    preset = make_preset(**changes)

    assert bitrate_bps(preset.video_bitrate or preset.audio_bitrate or "") == bps


@pytest.mark.parametrize(("codec", "container", "audio", "crf"), [
    ("libx264", "mp4", "aac", 52), ("libx265", "mp4", "aac", 52),
    ("libsvtav1", "mp4", "aac", 0), ("libvpx-vp9", "webm", "libopus", 64),
])
def test_crf_is_checked_against_the_encoders_range(codec, container, audio, crf):
    with pytest.raises(ValidationError, match=f"video CRF for {codec} must be between"):
        make_preset(video_codec=codec, container=container, audio_codec=audio, video_crf=crf,
                    video_preset=None)


def test_a_preset_description_is_limited_to_2000_characters():
    make_preset(description="d" * MAX_DESCRIPTION_LENGTH)
    with pytest.raises(ValidationError, match="preset description: at most 2000"):
        make_preset(description="d" * 9_500_000)


def test_a_preset_description_refuses_control_characters():
    with pytest.raises(ValidationError, match="control characters"):
        make_preset(description="nice\x00")


def test_a_stored_preset_is_restored_as_it_was_even_under_tighter_rules():
    restored = TranscodePreset.restore(id=uuid.uuid4(), name="old\n", container="mp4",
                                       video_codec="libx264", video_bitrate="9999999M",
                                       description="d" * 9_500)

    assert (restored.name, restored.video_bitrate) == ("old\n", "9999999M")
    with pytest.raises(ValidationError, match="preset name"):
        restored.evolve(description="edited")
