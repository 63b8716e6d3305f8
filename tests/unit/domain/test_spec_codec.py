"""The job spec's JSON codec: everything round-trips, and a hostile message is refused."""

import dataclasses
import json
import uuid
from typing import Any

import pytest

from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.errors import InvalidMessage, ValidationError
from mpr.domain.job import Trim
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.spec_codec import (
    MAX_SPEC_BYTES,
    spec_from_dict,
    spec_from_json,
    spec_to_dict,
    spec_to_json,
)
from tests.factories import make_preset

_DELETE = object()


def make_spec(**overrides: Any) -> TranscodeSpec:
    """A spec with every field set, none at its default."""
    values: dict[str, Any] = {
        "job_id": uuid.uuid4(), "source_path": "clips/día 1/clip.mp4", "source_duration": 10.0,
        "preset": make_preset(framerate=29.97, audio_samplerate=48000, created_by="user:ann"),
        "trim": Trim(1.5, 3.0), "output_path": "clips/día 1/clip_out.mp4", "run": 2,
        "source_has_video": True, "source_has_audio": False,
    }
    return TranscodeSpec(**(values | overrides))


def hostile(change: dict[str, Any], preset: dict[str, Any] | None = None) -> dict[str, Any]:
    """A valid spec's data with some values replaced (_DELETE as a value deletes the key)."""
    data = spec_to_dict(make_spec())
    for target, edits in ((data, change), (data["preset"], preset or {})):
        for key, value in edits.items():
            if value is _DELETE:
                del target[key]
            else:
                target[key] = value
    return data


def test_a_spec_survives_json_with_every_field() -> None:
    spec = make_spec()

    assert spec_from_json(spec_to_json(spec)) == spec


@pytest.mark.parametrize("preset", BUILTIN_PRESETS, ids=lambda p: p.name)
def test_every_builtin_preset_travels_in_a_spec(preset) -> None:
    spec = make_spec(preset=preset, trim=Trim(), source_duration=None, source_has_video=None,
                     source_has_audio=None, run=1)

    assert spec_from_json(spec_to_json(spec).encode()) == spec


def test_the_codec_writes_every_field_of_the_spec() -> None:
    spec = make_spec()

    written = spec_to_dict(spec)

    assert set(written) == {"version"} | {f.name for f in dataclasses.fields(TranscodeSpec)}
    assert json.loads(spec_to_json(spec)) == written


@pytest.mark.parametrize(("change", "says"), [
    ({"source_path": "../etc/passwd"}, "must not contain '..'"),
    ({"source_path": "/etc/passwd"}, "must be relative"),
    ({"output_path": "clips/../../outside.mp4"}, "must not contain '..'"),
    ({"output_path": "clips\\..\\x.mp4"}, "backslashes"),
    ({"output_path": "clips//./x.mp4"}, "not a canonical storage key"),
    ({"source_path": "clip\x00.mp4"}, "control characters"),
    ({"source_path": ""}, "1-1024 bytes"),
    ({"source_path": "a" * 1025}, "1-1024 bytes"),
    ({"source_path": ["clip.mp4"]}, "spec.source_path must be a string, not an array"),
    ({"trim": {"start": -1.0, "end": 3.0}}, "spec.trim.start must be between 0"),
    ({"trim": {"start": 5.0, "end": 2.0}}, "must be before trimEnd"),
    ({"trim": {"start": 1.0, "end": 11.0}}, "outside the media"),
    ({"trim": {"start": 1.0}}, "spec.trim lacks end"),
    ({"trim": {"start": 1.0, "end": 2.0, "step": 1}}, "unknown field(s) 'step'"),
    ({"trim": [1.0, 2.0]}, "spec.trim must be an object"),
    ({"trim": {"start": "1", "end": 2.0}}, "spec.trim.start must be a number, not a string"),
    ({"source_duration": 1e308}, "spec.source_duration must be between"),
    ({"source_duration": -10.0}, "spec.source_duration must be between"),
    ({"run": 10**30}, "spec.run must be between 1 and"),
    ({"run": 0}, "spec.run must be between 1 and"),
    ({"run": True}, "spec.run must be an integer, not a boolean"),
    ({"run": 2.0}, "spec.run must be an integer, not a number"),
    ({"job_id": "not-a-uuid"}, "spec.job_id must be a UUID"),
    ({"job_id": "1B4E28BA-2FA1-11D2-883F-0016D3CCA427"}, "spec.job_id must be a UUID"),
    ({"job_id": "{1b4e28ba-2fa1-11d2-883f-0016d3cca427}"}, "spec.job_id must be a UUID"),
    ({"job_id": 12}, "spec.job_id must be a string"),
    ({"source_has_video": "yes"}, "spec.source_has_video must be true or false"),
    ({"command": "rm -rf /"}, "unknown field(s) 'command'"),
    ({"run": _DELETE}, "spec lacks run"),
    ({"version": 3}, "spec.version must be between 1 and 2"),
    ({"preset": "h264-720p"}, "spec.preset must be an object, not a string"),
])
def test_a_hostile_spec_is_refused_saying_why(change, says) -> None:
    with pytest.raises(InvalidMessage) as refused:
        spec_from_dict(hostile(change))

    assert says in str(refused.value)


@pytest.mark.parametrize(("change", "says"), [
    ({"resolution": "1280x720,movie=/etc/passwd"}, "resolution"),
    ({"video_preset": "fast -i /etc/passwd"}, "video preset"),
    ({"video_crf": 99}, "video CRF"),
    ({"video_crf": "23"}, "spec.preset.video_crf must be an integer, not a string"),
    ({"video_crf": 10**40}, "spec.preset.video_crf must be between"),
    ({"framerate": True}, "spec.preset.framerate must be a number, not a boolean"),
    ({"is_builtin": "false"}, "spec.preset.is_builtin must be true or false"),
    ({"created_at": "yesterday"}, "spec.preset.created_at must be an ISO 8601 time"),
    ({"created_at": "2026-01-01T12:00:00"}, "with a UTC offset"),
    ({"id": "../x"}, "spec.preset.id must be a UUID"),
    ({"ffmpeg_args": ["-i", "/etc/passwd"]}, "unknown field(s) 'ffmpeg_args'"),
    ({"audio_codec": _DELETE}, "spec.preset lacks audio_codec"),
    ({"version": 0}, "spec.preset.version must be between 1 and 1"),
])
def test_a_hostile_preset_in_a_spec_is_refused_saying_why(change, says) -> None:
    with pytest.raises(InvalidMessage) as refused:
        spec_from_dict(hostile({}, preset=change))

    assert says in str(refused.value)


@pytest.mark.parametrize(("text", "says"), [
    ('{"run": NaN}', "NaN is not a JSON number"),
    ('{"run": Infinity}', "Infinity is not a JSON number"),
    ('{"run": -Infinity}', "-Infinity is not a JSON number"),
    ('{"run": ' + "9" * 5000 + "}", "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "more than the"),
    ("[" * 30_000 + "]" * 30_000, "not valid JSON"),
    ('{"version": 1', "not valid JSON"),
    (b'{"source_path": "\xff"}', "not valid JSON"),
    ("[]", "spec must be an object, not an array"),
    ("null", "spec must be an object, not null"),
])
def test_text_that_is_not_a_json_spec_is_refused(text, says) -> None:
    with pytest.raises(InvalidMessage) as refused:
        spec_from_json(text)

    assert says in str(refused.value)


def test_a_number_too_large_for_a_float_is_refused() -> None:
    text = spec_to_json(make_spec()).replace('"source_duration":10.0', '"source_duration":1e400')

    with pytest.raises(InvalidMessage, match="source_duration must be a finite number"):
        spec_from_json(text)


def test_a_spec_larger_than_the_bound_is_refused_before_it_is_parsed() -> None:
    text = spec_to_json(make_spec()).replace('"test preset"', '"' + "x" * MAX_SPEC_BYTES + '"')

    with pytest.raises(InvalidMessage, match=f"more than the {MAX_SPEC_BYTES} allowed"):
        spec_from_json(text)


def test_a_refused_spec_is_bad_input_with_a_code_of_its_own() -> None:
    with pytest.raises(ValidationError) as refused:
        spec_from_dict({})

    assert refused.value.code == "INVALID_MESSAGE"


def test_a_version_1_spec_queued_before_the_upgrade_is_read_its_attempt_as_the_run() -> None:
    spec = make_spec(run=3)
    old = spec_to_dict(spec) | {"version": 1}
    old["attempt"] = old.pop("run")

    assert spec_from_dict(old) == spec


def test_a_version_1_spec_with_the_new_run_field_is_refused() -> None:
    mixed = spec_to_dict(make_spec()) | {"version": 1}

    with pytest.raises(InvalidMessage, match="lacks attempt"):
        spec_from_dict(mixed)
