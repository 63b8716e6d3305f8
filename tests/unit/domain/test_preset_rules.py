import uuid

import pytest

from mpr.domain.builtin_presets import BUILTIN_PRESETS, COPY_PRESET
from mpr.domain.errors import ValidationError
from mpr.domain.preset import TranscodePreset
from tests.factories import make_preset


def test_builtin_presets_have_the_stable_names_of_the_spec():
    assert [p.name for p in BUILTIN_PRESETS] == [
        "h264-1080p", "h264-720p", "h264-480p", "h265-1080p", "vp9-720p", "av1-720p",
        "aac-audio", "mp3-audio", "copy"]
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
