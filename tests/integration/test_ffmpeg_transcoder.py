"""FfmpegTranscoder with real ffmpeg: progress, failures, cancellation and cleanup."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.adapters.ffmpeg.transcoder import FfmpegTranscoder
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.errors import TranscodeError
from mpr.domain.job import Progress, Trim
from mpr.domain.pipeline import MediaSource, TranscodeRequest
from mpr.domain.preset import TranscodePreset

FFMPEG = os.environ.get("MPR_FFMPEG", "ffmpeg")
PRESETS = {p.name: p for p in BUILTIN_PRESETS}
# Slow on purpose, so an encode is still running when the test stops it.
SLOW = TranscodePreset(id=uuid.uuid4(), name="slow", container="mp4", video_codec="libx264",
                       video_preset="veryslow", audio_codec="aac")

pytestmark = pytest.mark.skipif(shutil.which(FFMPEG) is None, reason="ffmpeg not installed")


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("transcoder")


@pytest.fixture(scope="module")
async def clip(media_dir: Path) -> Path:
    return await make_test_clip(FFMPEG, media_dir / "clip.mp4", duration=6, width=640,
                                height=360)


@pytest.fixture(scope="module")
async def long_clip(media_dir: Path) -> Path:
    return await make_test_clip(FFMPEG, media_dir / "long.mp4", duration=60, width=640,
                                height=360, fps=30)


def make_request(source: Path, destination: Path, preset: TranscodePreset = PRESETS["h264-720p"],
                 expected: float | None = 6.0) -> TranscodeRequest:
    return TranscodeRequest(source=MediaSource.at(str(source)),
                            destination=str(destination), preset=preset,
                            trim=Trim(), output_format=preset.container or "mp4",
                            expected_duration=expected)


class Recorder:
    """A progress callback that keeps every report and signals the first one."""

    def __init__(self) -> None:
        self.reports: list[Progress] = []
        self.first = asyncio.Event()

    async def __call__(self, progress: Progress) -> None:
        self.reports.append(progress)
        self.first.set()


async def test_progress_rises_to_100(clip: Path, tmp_path: Path) -> None:
    recorder = Recorder()
    destination = tmp_path / "out.part"

    await FfmpegTranscoder(FFMPEG).transcode(make_request(clip, destination), recorder)

    percents = [r.percent for r in recorder.reports]
    assert len(percents) >= 2
    assert percents == sorted(percents)
    assert percents[0] < 100
    assert percents[-1] == 100.0
    assert recorder.reports[-1].current_time == pytest.approx(6.0, abs=0.1)
    assert destination.stat().st_size > 0


async def test_corrupt_input_fails_with_ffmpegs_reason(tmp_path: Path) -> None:
    source = tmp_path / "broken.mp4"
    # not random bytes: those are now and then taken for another format (h263, with a low
    # score), which the source allowlist refuses with a reason of its own (the test below)
    source.write_bytes(b"this is not media\n" * 2048)
    destination = tmp_path / "out.part"

    with pytest.raises(TranscodeError) as caught:
        await FfmpegTranscoder(FFMPEG).transcode(make_request(source, destination), Recorder())

    message = str(caught.value)
    assert message.startswith("ffmpeg exited with code 1: ")
    assert "broken.mp4: Invalid data found when processing input" in message
    assert str(tmp_path) not in message
    assert not destination.exists()


async def test_a_source_in_a_format_outside_the_allowlist_fails_saying_so(tmp_path: Path) -> None:
    source = tmp_path / "playlist.mp4"
    source.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nfile:/etc/hostname\n"
                      "#EXT-X-ENDLIST\n")
    destination = tmp_path / "out.part"
    fd = os.open(source, os.O_RDONLY)  # handed over as the filesystem store does
    opened = MediaSource(locator=f"/dev/fd/{fd}", name="playlist.mp4", fds=(fd,))
    request = dataclasses.replace(make_request(source, destination), source=opened)

    try:
        with pytest.raises(TranscodeError) as caught:
            await FfmpegTranscoder(FFMPEG).transcode(request, Recorder())
    finally:
        os.close(fd)

    message = str(caught.value)
    assert message.startswith("ffmpeg refused playlist.mp4: not a single-file media container "
                              "(detected: hls)")
    assert str(tmp_path) not in message
    assert not destination.exists()


async def test_a_missing_ffmpeg_binary_is_a_transcode_error(clip: Path, tmp_path: Path) -> None:
    transcoder = FfmpegTranscoder(str(tmp_path / "no-ffmpeg"))

    with pytest.raises(TranscodeError, match="cannot start ffmpeg"):
        await transcoder.transcode(make_request(clip, tmp_path / "out.part"), Recorder())


async def test_cancelling_the_task_kills_ffmpeg_and_removes_the_output(
        long_clip: Path, tmp_path: Path) -> None:
    transcoder, recorder = FfmpegTranscoder(FFMPEG), Recorder()
    destination = tmp_path / "out.part"
    task = asyncio.create_task(transcoder.transcode(
        make_request(long_clip, destination, SLOW, expected=60), recorder))
    await asyncio.wait_for(recorder.first.wait(), 10)
    [pid] = transcoder.running_pids
    assert destination.exists()

    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert time.monotonic() - started < 2
    assert_gone(pid)
    assert transcoder.running_pids == frozenset()
    assert not destination.exists()


async def test_a_failing_progress_callback_kills_ffmpeg(long_clip: Path, tmp_path: Path) -> None:
    transcoder = FfmpegTranscoder(FFMPEG)
    destination = tmp_path / "out.part"
    pids: list[frozenset[int]] = []

    async def refuse(progress: Progress) -> None:
        pids.append(transcoder.running_pids)
        raise RuntimeError("job was cancelled")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="job was cancelled"):
        await transcoder.transcode(make_request(long_clip, destination, SLOW, 60), refuse)

    assert time.monotonic() - started < 10
    [[pid]] = pids
    assert_gone(pid)
    assert not destination.exists()


def assert_gone(pid: int) -> None:
    """The process (and its group) no longer exists, not even as a zombie."""
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
