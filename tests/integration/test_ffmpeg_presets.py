"""Every builtin preset, run by real ffmpeg and checked with real ffprobe (and the in-process
output prober, which must agree with it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mpr.adapters.ffmpeg.prober import FfprobeProber
from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.adapters.ffmpeg.transcoder import FfmpegTranscoder
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.job import Progress, Trim
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import MediaSource, TranscodeRequest
from mpr.domain.preset import TranscodePreset
from tests.integration.media import probe_output

FFMPEG = os.environ.get("MPR_FFMPEG", "ffmpeg")
FFPROBE = os.environ.get("MPR_FFPROBE", "ffprobe")
PRESETS = {p.name: p for p in BUILTIN_PRESETS}
AUDIO_DECODERS = {"aac": "aac", "libopus": "opus", "libmp3lame": "mp3"}
NO_TRIM = Trim()
VIDEO_DECODERS = {"libx264": "h264", "libx265": "hevc", "libvpx-vp9": "vp9", "libsvtav1": "av1"}

pytestmark = pytest.mark.skipif(shutil.which(FFMPEG) is None, reason="ffmpeg not installed")


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("presets")


@pytest.fixture(scope="module")
async def wide_clip(media_dir: Path) -> Path:
    """Wider than the 480p box, inside the 720p and 1080p boxes: 12:5, 1.5 s."""
    return await make_test_clip(FFMPEG, media_dir / "wide.mp4", duration=1.5, width=1200,
                                height=500, fps=25)


async def run_preset(source: Path, preset: TranscodePreset, workdir: Path,
                     trim: Trim = NO_TRIM, expected: float | None = None
                     ) -> tuple[MediaInfo, list[Progress]]:
    """Encode as a worker does (to a temporary name), store under the container's extension."""
    container = preset.container or "mp4"  # stream copy keeps the source's container
    staging = workdir / f"staging-{preset.name}.{container}"  # named as the pipeline names it
    request = TranscodeRequest(source=MediaSource.at(str(source)),
                               destination=str(staging), preset=preset,
                               trim=trim, output_format=container, expected_duration=expected)
    reports: list[Progress] = []

    async def on_progress(progress: Progress) -> None:
        reports.append(progress)

    result = await FfmpegTranscoder(FFMPEG).transcode(request, on_progress)
    assert result.warnings == (), f"a clean encode warned: {result.warnings}"
    final = staging.rename(workdir / f"{preset.name}.{container}")
    return await probe_output(final), reports


def expected_size(source: tuple[int, int], box: tuple[int, int] | None) -> tuple[int, int]:
    """The largest even size inside the box with the source's aspect, never larger."""
    width, height = source
    if box is None:
        return width, height
    scale = min(1.0, box[0] / width, box[1] / height)
    return int(width * scale) // 2 * 2, int(height * scale) // 2 * 2


def assert_fits(info: MediaInfo, source: tuple[int, int], box: tuple[int, int] | None) -> None:
    assert info.width is not None
    assert info.height is not None
    width, height = info.width, info.height
    assert width % 2 == 0
    assert height % 2 == 0
    assert width <= source[0]
    assert height <= source[1]
    if box is not None:
        assert width <= box[0]
        assert height <= box[1]
    assert width / height == pytest.approx(source[0] / source[1], rel=0.02)
    expected_w, expected_h = expected_size(source, box)
    assert abs(width - expected_w) <= 2
    assert abs(height - expected_h) <= 2


# Ladders write packages, checked as players read them in test_ladder_packages.py.
@pytest.mark.parametrize("name", sorted(n for n, p in PRESETS.items() if not p.is_ladder))
async def test_builtin_preset_produces_what_it_promises(name: str, wide_clip: Path,
                                                        tmp_path: Path) -> None:
    preset = PRESETS[name]

    info, reports = await run_preset(wide_clip, preset, tmp_path, expected=1.5)

    assert info.container == (preset.container or "mp4")
    assert info.audio_codec == AUDIO_DECODERS.get(preset.audio_codec or "", "aac")
    assert info.duration == pytest.approx(1.5, abs=0.1)
    assert reports[-1].percent == 100.0
    if preset.video_codec is None:
        assert not info.has_video
    else:
        assert info.video_codec == VIDEO_DECODERS.get(preset.video_codec, "h264")
        assert_fits(info, (1200, 500), preset.box)


@pytest.mark.parametrize(("size", "name"), [((360, 640), "h264-480p"),
                                            ((321, 241), "h264-720p"),
                                            ((640, 360), "h264-1080p")])
async def test_odd_portrait_and_small_sources_fit_without_upscaling(
        size: tuple[int, int], name: str, tmp_path: Path) -> None:
    source = await make_test_clip(FFMPEG, tmp_path / "source.mkv", duration=0.4,
                                  width=size[0], height=size[1], pix_fmt="yuv444p")

    source_info = await FfprobeProber(FFPROBE).probe(MediaSource.at(str(source)))
    info, _ = await run_preset(source, PRESETS[name], tmp_path, expected=0.4)

    assert (source_info.width, source_info.height) == size
    assert_fits(info, size, PRESETS[name].box)


async def test_a_trimmed_encode_lasts_the_segment(tmp_path: Path) -> None:
    source = await make_test_clip(FFMPEG, tmp_path / "long.mp4", duration=4, width=320,
                                  height=240)

    info, reports = await run_preset(source, PRESETS["h264-480p"], tmp_path,
                                     trim=Trim(start=0.5, end=2.5), expected=2.0)

    assert info.duration == pytest.approx(2.0, abs=0.15)
    assert reports[-1].percent == 100.0
