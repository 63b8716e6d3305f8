"""PyAvOutputProber (in process) says what ffprobe says of the files ffmpeg writes."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from mpr.adapters.ffmpeg.output_prober import PyAvOutputProber
from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.domain.errors import ProbeError
from mpr.domain.pipeline import MediaSource
from tests.integration.media import make_mp3_with_cover_art, probe_output

FFMPEG = os.environ.get("MPR_FFMPEG", "ffmpeg")


@pytest.mark.parametrize(("name", "video", "audio"), [
    ("clip.mp4", True, True), ("clip.webm", True, True), ("clip.mkv", True, True),
    ("clip.mov", True, True), ("video only.mp4", True, False), ("tone.mp3", False, True),
    ("tone.m4a", False, True), ("-leading dash é space.mp4", True, True),
])
async def test_written_media_is_described_as_ffprobe_describes_it(
        tmp_path: Path, name: str, video: bool, audio: bool) -> None:
    clip = await make_test_clip(FFMPEG, tmp_path / name, duration=0.8, width=320, height=180,
                                video=video, audio=audio)

    info = await probe_output(clip)

    assert info.has_video is video
    assert info.has_audio is audio
    assert info.duration == pytest.approx(0.8, abs=0.1)


async def test_cover_art_is_not_taken_for_video(tmp_path: Path) -> None:
    tagged = await make_mp3_with_cover_art(tmp_path)

    info = await probe_output(tagged)

    assert len(info.properties["streams"]) == 2
    assert info.video_codec is None


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "Invalid data found when processing input"),
    # fixed noise: fresh random bytes now and then parse as a stream format (CI, 2026-12-03:
    # "no audio or video stream found"); these bytes are refused as invalid, checked here
    (random.Random(0).randbytes(64 * 1024), "Invalid data found when processing input"),
    (b"1\n00:00:00,000 --> 00:00:01,000\nhello\n", "no audio or video stream"),
])
async def test_what_is_not_media_is_a_clear_probe_error(tmp_path: Path, content: bytes,
                                                        reason: str) -> None:
    path = tmp_path / "bad output.mp4"
    path.write_bytes(content)

    with pytest.raises(ProbeError) as caught:
        await PyAvOutputProber().probe(MediaSource.at(str(path)))

    assert reason in str(caught.value)
    assert str(path) not in str(caught.value)
    assert "\n" not in str(caught.value)


async def test_a_missing_file_and_a_url_are_probe_errors(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="No such file or directory"):
        await PyAvOutputProber().probe(MediaSource.at(str(tmp_path / "missing.mp4")))
    with pytest.raises(ProbeError, match="local files only"):
        await PyAvOutputProber().probe(MediaSource.at("http://127.0.0.1:9/clip.mp4"))
