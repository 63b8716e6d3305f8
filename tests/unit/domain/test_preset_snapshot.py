"""A job's preset snapshot: stored ones are restored as written, messages are read strictly."""

import pytest

from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.errors import InvalidMessage
from mpr.domain.preset import PRESET_FIELDS
from mpr.domain.preset_snapshot import (
    preset_from_message,
    preset_from_snapshot,
    preset_to_snapshot,
)
from tests.factories import make_preset

EVERY_FIELD = make_preset(framerate=29.97, audio_samplerate=48000, created_by="token:ci")


@pytest.mark.parametrize("preset", [*BUILTIN_PRESETS, EVERY_FIELD], ids=lambda p: p.name)
def test_a_snapshot_holds_every_field_and_both_readers_restore_it(preset) -> None:
    snapshot = preset_to_snapshot(preset)

    assert set(snapshot) == {"version", *PRESET_FIELDS}
    assert preset_from_snapshot(snapshot) == preset
    assert preset_from_message(snapshot) == preset


def test_a_stored_snapshot_is_restored_even_when_todays_rules_refuse_it() -> None:
    snapshot = preset_to_snapshot(EVERY_FIELD) | {"video_crf": 99, "added_later": "x"}

    restored = preset_from_snapshot(snapshot)

    assert restored.video_crf == 99
    with pytest.raises(InvalidMessage, match="video CRF"):
        preset_from_message(preset_to_snapshot(restored))
