"""The ffmpeg argv built for each preset, trim and locator, without running ffmpeg."""

from __future__ import annotations

import os
import uuid

import pytest

from mpr.adapters.ffmpeg.command import GLOBAL_ARGS, MUXERS, SOURCE_FORMATS, build_command
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.errors import TranscodeError
from mpr.domain.job import Trim
from mpr.domain.media import MEDIA_EXTENSIONS
from mpr.domain.pipeline import MediaSource, TranscodeRequest
from mpr.domain.preset import TranscodePreset

PRESETS = {p.name: p for p in BUILTIN_PRESETS}
SOURCE = "/media/in/clip.mov"
DESTINATION = "/staging/job-1.part"


def make_request(preset: str | TranscodePreset = "h264-720p", **overrides: object
                 ) -> TranscodeRequest:
    chosen = PRESETS[preset] if isinstance(preset, str) else preset
    fields: dict[str, object] = {
        "source": SOURCE, "destination": DESTINATION, "preset": chosen, "trim": Trim(),
        "output_format": chosen.container or "mp4", "expected_duration": 10.0,
    }
    fields.update(overrides)
    if isinstance(fields["source"], str):
        fields["source"] = MediaSource.at(fields["source"])
    return TranscodeRequest(**fields)  # type: ignore[arg-type]


def make_preset(**settings: object) -> TranscodePreset:
    return TranscodePreset(id=uuid.uuid4(), name="custom", **settings)  # type: ignore[arg-type]


def argv_for(preset: str | TranscodePreset = "h264-720p", **overrides: object) -> list[str]:
    return build_command(make_request(preset, **overrides))


def option(argv: list[str], flag: str) -> str:
    """The value after a flag that must occur exactly once."""
    assert argv.count(flag) == 1, f"{flag} occurs {argv.count(flag)} times in {argv}"
    return argv[argv.index(flag) + 1]


def test_h264_720p_builds_the_exact_command() -> None:
    argv = argv_for("h264-720p")

    assert argv == [
        "ffmpeg", "-hide_banner", "-nostdin", "-y", "-nostats", "-loglevel", "warning",
        "-progress", "pipe:1", "-protocol_whitelist", "file",
        "-format_whitelist", "mov,matroska,avi,mpeg,mpegts,flv,asf,ogg,mxf,mp3,aac,wav,flac,aiff",
        "-i", "file:/media/in/clip.mov",
        "-map", "0:v:0?", "-map", "0:a:0?", "-map_metadata", "0", "-sn", "-dn",
        "-c:v", "libx264", "-crf", "23", "-preset", "medium",
        "-vf", "scale=w='min(1280,iw)':h='min(720,ih)'"
               ":force_original_aspect_ratio=decrease:force_divisible_by=2",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ac", "2",
        "-f", "mp4", "-movflags", "+faststart", "file:/staging/job-1.part",
    ]


EXPECTED_OPTIONS = {
    "h264-1080p": {"-c:v": "libx264", "-crf": "23", "-preset": "medium", "-c:a": "aac",
                   "-b:a": "192k", "-ac": "2", "-f": "mp4", "-movflags": "+faststart"},
    "h264-480p": {"-c:v": "libx264", "-crf": "23", "-preset": "medium", "-b:a": "96k",
                  "-f": "mp4"},
    "h265-1080p": {"-c:v": "libx265", "-crf": "28", "-preset": "medium", "-tag:v": "hvc1",
                   "-x265-params": "log-level=error", "-f": "mp4"},
    "vp9-720p": {"-c:v": "libvpx-vp9", "-crf": "32", "-b:v": "0", "-deadline": "good",
                 "-cpu-used": "4", "-row-mt": "1", "-c:a": "libopus", "-f": "webm"},
    "av1-720p": {"-c:v": "libsvtav1", "-crf": "35", "-preset": "8", "-c:a": "aac", "-f": "mp4"},
    "aac-audio": {"-c:a": "aac", "-b:a": "192k", "-f": "ipod", "-movflags": "+faststart"},
    "mp3-audio": {"-c:a": "libmp3lame", "-b:a": "192k", "-f": "mp3"},
    "copy": {"-c:v": "copy", "-c:a": "copy", "-avoid_negative_ts": "make_zero", "-f": "mp4"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_OPTIONS))
def test_each_builtin_preset_sets_its_codec_options(name: str) -> None:
    argv = argv_for(name, output_format=PRESETS[name].container or "mp4")

    assert {flag: option(argv, flag) for flag in EXPECTED_OPTIONS[name]} == EXPECTED_OPTIONS[name]


def test_every_builtin_preset_is_covered_by_the_expectations() -> None:
    ladders = {"hls-ladder", "cmaf-ladder"}  # tests/unit/adapters/test_ladder_command.py

    assert set(EXPECTED_OPTIONS) | {"h264-720p"} | ladders == set(PRESETS)


@pytest.mark.parametrize("preset", BUILTIN_PRESETS, ids=lambda p: p.name)
def test_every_builtin_preset_keeps_the_safe_frame(preset: TranscodePreset) -> None:
    argv = argv_for(preset, output_format=preset.container or "mkv")

    assert argv[1:1 + len(GLOBAL_ARGS)] == list(GLOBAL_ARGS)
    assert option(argv, "-i") == "file:/media/in/clip.mov"
    # a ladder's muxer writes its package beside the main playlist (test_ladder_command.py)
    assert argv[-1].startswith("file:/staging/") if preset.is_ladder else (
        argv[-1] == "file:/staging/job-1.part")
    assert {"-sn", "-dn"} <= set(argv)
    assert "-f" in argv


@pytest.mark.parametrize("name", ["h264-1080p", "h264-720p", "h264-480p", "h265-1080p",
                                  "vp9-720p", "av1-720p"])
def test_video_presets_fit_their_box_without_upscaling(name: str) -> None:
    width, height = PRESETS[name].resolution.split("x")  # type: ignore[union-attr]

    scale = option(argv_for(name), "-vf")

    assert f"w='min({width},iw)'" in scale
    assert f"h='min({height},ih)'" in scale
    assert "force_original_aspect_ratio=decrease" in scale
    assert "force_divisible_by=2" in scale
    assert option(argv_for(name), "-pix_fmt") == "yuv420p"


@pytest.mark.parametrize("name", ["aac-audio", "mp3-audio"])
def test_audio_presets_drop_video(name: str) -> None:
    argv = argv_for(name)

    assert "-vn" in argv
    assert "0:v:0?" not in argv
    assert option(argv, "-map") == "0:a:0?"
    assert "-vf" not in argv
    assert "-c:v" not in argv


def test_stream_copy_writes_the_source_container_and_never_filters() -> None:
    argv = argv_for("copy", output_format="mkv")

    assert option(argv, "-f") == "matroska"
    assert "-vf" not in argv
    assert "-pix_fmt" not in argv
    assert "-movflags" not in argv


def test_trim_seeks_before_the_input_and_limits_the_output_length() -> None:
    argv = argv_for(trim=Trim(start=1.5, end=4.25))

    assert argv.index("-ss") < argv.index("-i")
    assert option(argv, "-ss") == "1.5"
    assert argv.index("-t") > argv.index("-i")
    assert option(argv, "-t") == "2.75"


def test_trim_with_only_an_end_limits_the_length_from_zero() -> None:
    argv = argv_for(trim=Trim(end=3.0))

    assert "-ss" not in argv
    assert option(argv, "-t") == "3"


def test_trim_with_only_a_start_seeks_and_runs_to_the_end() -> None:
    argv = argv_for(trim=Trim(start=2.0))

    assert option(argv, "-ss") == "2"
    assert "-t" not in argv


def test_local_names_that_look_like_options_or_protocols_are_file_urls() -> None:
    argv = argv_for(source="/x/-rf name é.mp4", destination="/out/http:evil.part")

    assert option(argv, "-i") == "file:/x/-rf name é.mp4"
    assert argv[-1] == "file:/out/http:evil.part"


def test_relative_paths_become_absolute() -> None:
    argv = argv_for(source="-clip.mp4")

    assert option(argv, "-i") == "file:" + os.path.join(os.getcwd(), "-clip.mp4")


def test_http_urls_pass_through_with_network_protocols_only() -> None:
    url = "https://bucket.example/in/clip.mp4?X-Amz-Signature=abc"

    argv = argv_for(source=url)

    assert option(argv, "-i") == url
    assert option(argv, "-protocol_whitelist") == "http,https,tcp,tls,crypto"


def test_other_url_schemes_are_treated_as_local_files() -> None:
    argv = argv_for(source="concat:/etc/passwd|x")

    assert option(argv, "-i").startswith("file:/")
    assert option(argv, "-protocol_whitelist") == "file"


def test_an_inherited_descriptor_is_read_as_a_file_with_single_file_demuxers_only() -> None:
    argv = argv_for(source=MediaSource(locator="/dev/fd/7", name="in/clip.mp4", fds=(7,)))

    assert option(argv, "-i") == "file:/dev/fd/7"
    assert option(argv, "-protocol_whitelist") == "file"
    assert option(argv, "-format_whitelist").split(",") == list(SOURCE_FORMATS)
    assert argv.index("-format_whitelist") < argv.index("-i")


@pytest.mark.parametrize("demuxer", ["hls", "concat", "image2", "sdp", "dash", "rtsp"])
def test_no_playlist_or_url_following_demuxer_is_allowed(demuxer: str) -> None:
    assert demuxer not in option(argv_for(), "-format_whitelist").split(",")


def test_unknown_output_container_is_refused() -> None:
    with pytest.raises(TranscodeError, match="cannot write container 'xyz'"):
        argv_for("copy", output_format="xyz")


def test_video_without_box_still_gets_even_dimensions() -> None:
    preset = make_preset(container="mkv", video_codec="libx264", audio_codec="aac")

    assert option(argv_for(preset), "-vf") == "scale=trunc(iw/2)*2:trunc(ih/2)*2"


def test_explicit_bitrate_wins_over_vp9_constant_quality() -> None:
    preset = make_preset(container="webm", video_codec="libvpx-vp9", video_crf=30,
                         video_bitrate="2M", audio_codec="libopus")

    argv = argv_for(preset)

    assert option(argv, "-b:v") == "2M"
    assert option(argv, "-crf") == "30"
    assert "-deadline" not in argv


def test_framerate_channels_and_sample_rate_are_passed() -> None:
    preset = make_preset(container="mkv", video_codec="libx264", framerate=29.97,
                         audio_codec="aac", audio_channels=1, audio_samplerate=44100)

    argv = argv_for(preset)

    assert option(argv, "-r") == "29.97"
    assert option(argv, "-ac") == "1"
    assert option(argv, "-ar") == "44100"


def test_hevc_gets_the_hvc1_tag_only_in_mp4_family() -> None:
    preset = make_preset(container="mkv", video_codec="libx265", audio_codec="aac")

    assert "-tag:v" not in argv_for(preset)
    assert option(argv_for(preset, output_format="mov"), "-tag:v") == "hvc1"


def test_mixed_copy_and_encode_shifts_timestamps() -> None:
    preset = make_preset(container="mp4", video_codec="copy", audio_codec="aac")

    argv = argv_for(preset)

    assert option(argv, "-c:v") == "copy"
    assert option(argv, "-c:a") == "aac"
    assert option(argv, "-avoid_negative_ts") == "make_zero"


def test_every_recognised_media_extension_can_be_written_by_a_copy_cut() -> None:
    unwritable = [ext for ext in sorted(MEDIA_EXTENSIONS) if ext not in MUXERS]

    assert unwritable == []
