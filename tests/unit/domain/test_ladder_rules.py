"""Ladder presets: renditions parsed strictly, cut down to the source, validated like presets."""

from __future__ import annotations

import uuid

import pytest

from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.errors import ValidationError
from mpr.domain.ladder import STANDARD_LADDER, Rendition, fit_to_source, parse_renditions
from mpr.domain.preset import TranscodePreset

STANDARD = parse_renditions(STANDARD_LADDER)


def make_ladder(**settings: object) -> TranscodePreset:
    values: dict[str, object] = {"container": "hls", "video_codec": "libx264",
                                 "renditions": "1280x720@2800k,640x360@800k",
                                 "audio_codec": "aac"}
    values.update(settings)
    return TranscodePreset(id=uuid.uuid4(), name="my-ladder", **values)  # type: ignore[arg-type]


def heights(renditions: tuple[Rendition, ...], width: int, height: int) -> list[int]:
    return [r.fitted(width, height)[1] for r in fit_to_source(renditions, width, height)]


def test_the_builtin_ladders_are_valid_and_named_as_the_spec_says() -> None:
    names = {p.name: p for p in BUILTIN_PRESETS}

    assert names["hls-ladder"].container == "hls"
    assert names["cmaf-ladder"].container == "cmaf"
    assert all(names[n].is_ladder for n in ("hls-ladder", "cmaf-ladder"))
    assert [r.height for r in parse_renditions(names["hls-ladder"].renditions or "")] == [
        1080, 720, 480, 360]


def test_a_1080p_source_gets_all_four_renditions() -> None:
    assert heights(STANDARD, 1920, 1080) == [1080, 720, 480, 360]


def test_a_720p_source_gets_720p_480p_and_360p_never_an_upscale() -> None:
    kept = fit_to_source(STANDARD, 1280, 720)

    assert [r.height for r in kept] == [720, 480, 360]
    assert [r.kbps for r in kept] == [2800, 1400, 800]


def test_a_source_smaller_than_every_rung_gets_one_rendition_at_its_own_size() -> None:
    assert heights(STANDARD, 320, 180) == [180]


def test_a_4_by_3_source_fills_the_boxes_by_height() -> None:
    assert heights(STANDARD, 1440, 1080) == [1080, 720, 480, 360]


@pytest.mark.parametrize("text", [
    "", "1280x720", "1280x720@2800", "1280x720@2800k,", "640x360@800k,1280x720@2800k",
    "1280x720@2800k,1280x720@1400k", "1280x720@10k", "1280x720@99999k",
    "1280x720@2800k\n", "1x1@800k", ",".join(["640x360@800k"] * 7)])
def test_malformed_or_disordered_renditions_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_renditions(text)


def test_a_user_ladder_is_validated_like_other_presets() -> None:
    preset = make_ladder(video_preset="fast", audio_bitrate="96k")

    assert preset.is_ladder
    assert len(parse_renditions(preset.renditions or "")) == 2


@pytest.mark.parametrize(("settings", "message"), [
    ({"renditions": None}, "needs a video codec and its renditions"),
    ({"video_codec": None, "renditions": None}, "needs a video codec"),
    ({"video_codec": "libx265"}, "cannot hold video codec"),
    ({"audio_codec": "libopus"}, "cannot hold audio codec"),
    ({"resolution": "1280x720"}, "not in resolution"),
    ({"video_crf": 23}, "not in resolution"),
    ({"video_bitrate": "2M"}, "not in resolution"),
    ({"renditions": "1280x720@2800k;rm -rf /"}, "must look like"),
    ({"container": "mp4"}, "for ladder containers"),
])
def test_bad_ladders_are_refused_with_a_clear_message(settings: dict[str, object],
                                                      message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_ladder(**settings)
