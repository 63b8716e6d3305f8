"""A refused preset names the field at fault, so a form can show the refusal beside it."""

import pytest

from mpr.domain.errors import ValidationError
from mpr.domain.ladder import STANDARD_LADDER
from tests.factories import make_preset

NO_VIDEO = {"video_codec": None, "video_crf": None, "video_preset": None, "resolution": None}


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": "bad name"}, "name"),
    ({"name": None}, "name"),
    ({"description": "bell\x07"}, "description"),
    ({"description": "x" * 2_001}, "description"),
    ({"container": "exe"}, "container"),
    ({"container": "webm"}, "video_codec"),
    ({"video_codec": "h263"}, "video_codec"),
    ({"audio_codec": "-i /etc/passwd"}, "audio_codec"),
    ({**NO_VIDEO, "audio_codec": None, "audio_bitrate": None, "audio_channels": None},
     "video_codec"),
    ({"video_bitrate": "lots"}, "video_bitrate"),
    ({"video_bitrate": "900M"}, "video_bitrate"),
    ({"video_crf": 99}, "video_crf"),
    ({"video_preset": "warp"}, "video_preset"),
    ({"resolution": "1280x720;rm"}, "resolution"),
    ({"framerate": 1000.0}, "framerate"),
    ({"renditions": STANDARD_LADDER}, "renditions"),
    ({"container": "hls", "resolution": None, "video_crf": None, "renditions": "big"},
     "renditions"),
    ({"container": "hls", "renditions": STANDARD_LADDER}, "resolution"),
    ({"audio_bitrate": "2M"}, "audio_bitrate"),
    ({"audio_channels": 9}, "audio_channels"),
    ({"audio_samplerate": 12345}, "audio_samplerate"),
    ({"audio_codec": "copy"}, "audio_codec"),
])
def test_a_refused_preset_names_the_field_at_fault(changes: dict[str, object],
                                                   field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        make_preset(**changes)

    assert refused.value.field == field, str(refused.value)
