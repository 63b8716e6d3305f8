"""The ffmpeg argv of a ladder: one decode, a scaler and an encoder per rendition, one GOP grid."""

from __future__ import annotations

import pytest

from mpr.adapters.ffmpeg.command import build_command
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.job import Trim
from mpr.domain.pipeline import MediaSource, TranscodeRequest
from mpr.domain.preset import TranscodePreset

PRESETS = {p.name: p for p in BUILTIN_PRESETS}
DESTINATION = "/staging/job-1/clip.m3u8"


def argv_for(name: str = "hls-ladder", trim: Trim | None = None, **changes: object
             ) -> list[str]:
    preset: TranscodePreset = PRESETS[name].evolve(**changes) if changes else PRESETS[name]
    request = TranscodeRequest(source=MediaSource.at("/media/in/clip.mov"),
                               destination=DESTINATION, preset=preset, trim=trim or Trim(),
                               output_format=preset.container or "", expected_duration=12.0)
    return build_command(request)


def option(argv: list[str], flag: str) -> str:
    assert argv.count(flag) == 1, f"{flag} occurs {argv.count(flag)} times in {argv}"
    return argv[argv.index(flag) + 1]


@pytest.mark.parametrize("name", ["hls-ladder", "cmaf-ladder"])
def test_a_ladder_reads_the_source_once_and_splits_it_per_rendition(name: str) -> None:
    argv = argv_for(name)

    assert argv.count("-i") == 1
    chains = option(argv, "-filter_complex").split(";")
    assert chains[0] == "[0:v:0]null[in0]"
    # each rung is scaled from the one above it (fewer pixels to read), and handed on
    for i, box in enumerate(("min(1920,iw)", "min(1280,iw)", "min(854,iw)", "min(640,iw)")):
        assert chains[i + 1].startswith(f"[in{i}]scale=w='{box}'")
        assert chains[i + 1].endswith(f",split=2[v{i}][in{i + 1}]" if i < 3 else "[v3]")
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-map"] == [
        "[v0]", "[v1]", "[v2]", "[v3]", "0:a:0"]


@pytest.mark.parametrize("name", ["hls-ladder", "cmaf-ladder"])
def test_every_rendition_gets_its_bitrate_and_the_same_keyframe_grid(name: str) -> None:
    argv = argv_for(name)

    assert [option(argv, f"-b:v:{i}") for i in range(4)] == ["5000k", "2800k", "1400k", "800k"]
    assert option(argv, "-maxrate:v:0") == "5500k"
    assert option(argv, "-force_key_frames") == "expr:gte(t,n_forced*4)"
    assert option(argv, "-sc_threshold") == "0"
    assert option(argv, "-flags") == "+cgop"


def test_hls_names_each_rendition_and_groups_the_audio() -> None:
    argv = argv_for("hls-ladder")

    assert option(argv, "-f") == "hls"
    assert option(argv, "-var_stream_map") == (
        "v:0,name:1080p,agroup:audio v:1,name:720p,agroup:audio v:2,name:480p,agroup:audio "
        "v:3,name:360p,agroup:audio a:0,name:audio,agroup:audio,default:yes")
    assert option(argv, "-master_pl_name") == "clip.m3u8"
    assert option(argv, "-hls_segment_filename") == "file:/staging/job-1/%v_%05d.ts"
    assert argv[-1] == "file:/staging/job-1/%v.m3u8"


def test_cmaf_writes_one_set_of_segments_with_an_mpd_and_hls_playlists() -> None:
    argv = argv_for("cmaf-ladder")

    assert option(argv, "-f") == "dash"
    assert option(argv, "-hls_playlist") == "1"
    assert option(argv, "-hls_master_name") == "clip.m3u8"
    assert option(argv, "-adaptation_sets") == "id=0,streams=v id=1,streams=a"
    assert argv[-1] == "file:/staging/job-1/clip.mpd"


def test_a_ladder_without_audio_maps_and_names_none() -> None:
    argv = argv_for("hls-ladder", audio_codec=None, audio_bitrate=None, audio_channels=None,
                    renditions="640x360@800k")

    assert "-an" in argv
    assert "0:a:0" not in argv
    assert option(argv, "-filter_complex").startswith("[0:v:0]null[in0];[in0]scale=")
    assert option(argv, "-var_stream_map") == "v:0,name:360p"


def test_a_trimmed_ladder_seeks_before_the_input_and_limits_the_package() -> None:
    argv = argv_for("hls-ladder", trim=Trim(2.0, 9.5))

    assert argv.index("-ss") < argv.index("-i")
    assert option(argv, "-ss") == "2"
    assert option(argv, "-t") == "7.5"


def test_a_rung_wider_than_the_one_above_is_scaled_from_the_source() -> None:
    argv = argv_for("hls-ladder", renditions="1280x720@2800k,1920x480@800k")

    chains = option(argv, "-filter_complex").split(";")

    assert chains[0] == "[0:v:0]split=2[in0][in1]"
    assert chains[2].startswith("[in1]scale=w='min(1920,iw)':h='min(480,ih)'")
