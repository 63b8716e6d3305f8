"""The transcoder's watchdog with stand-in encoders: silent, slow to report to, endless."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

import pytest

from mpr.adapters.ffmpeg.transcoder import FfmpegTranscoder
from mpr.domain.errors import TranscodeTimeout
from mpr.domain.job import Progress, Trim
from mpr.domain.pipeline import MediaSource, TranscodeRequest
from mpr.domain.preset import TranscodePreset

PRESET = TranscodePreset(id=uuid.uuid4(), name="any", container="mp4", video_codec="libx264",
                         audio_codec="aac")
# A stand-in ffmpeg: writes its output, then a progress block every 0.1 s for BLOCKS blocks
# whose media time advances by ADVANCE seconds each (0: stuck), then ends.
ENCODER = """#!{python}
import os, sys, time
open(sys.argv[-1].removeprefix("file:"), "wb").write(b"out")
print(os.getpid(), file=open({pid_file!r}, "w"))
for n in range({blocks}):
    print(f"out_time_us={{int(n * {advance} * 1e6)}}\\nprogress=continue", flush=True)
    time.sleep(0.1)
print("progress=end", flush=True)
"""


def encoder(tmp_path: Path, blocks: int, advance: float) -> tuple[str, Path]:
    script, pid_file = tmp_path / "encoder", tmp_path / "encoder.pid"
    script.write_text(ENCODER.format(python=sys.executable, pid_file=str(pid_file),
                                     blocks=blocks, advance=advance))
    script.chmod(0o755)
    return str(script), pid_file


def request(tmp_path: Path) -> TranscodeRequest:
    return TranscodeRequest(source=MediaSource.at(str(tmp_path / "in.mp4")),
                            destination=str(tmp_path / "o.mp4"),
                            preset=PRESET, trim=Trim(), output_format="mp4",
                            expected_duration=10.0)


async def ignore(progress: Progress) -> None:
    return None


def gone(pid_file: Path) -> bool:
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


async def test_an_encoder_whose_media_time_is_stuck_is_stopped_after_the_stall_timeout(
        tmp_path: Path) -> None:
    ffmpeg, pid_file = encoder(tmp_path, blocks=600, advance=0)
    started = time.monotonic()

    with pytest.raises(TranscodeTimeout, match=r"^ffmpeg made no progress for 0\.5 s; stopped$"):
        await FfmpegTranscoder(ffmpeg, stall_timeout=0.5).transcode(request(tmp_path), ignore)

    assert time.monotonic() - started < 5
    assert gone(pid_file)
    assert not (tmp_path / "o.mp4").exists()


async def test_an_encoder_that_advances_is_stopped_at_the_job_timeout(tmp_path: Path) -> None:
    ffmpeg, pid_file = encoder(tmp_path, blocks=600, advance=0.1)

    with pytest.raises(TranscodeTimeout, match=r"ran past MPR_JOB_TIMEOUT \(1\.5 s\)"):
        await FfmpegTranscoder(ffmpeg, stall_timeout=0.5, job_timeout=1.5).transcode(
            request(tmp_path), ignore)

    assert gone(pid_file)
    assert not (tmp_path / "o.mp4").exists()


async def test_time_spent_in_the_progress_callback_is_not_a_stall(tmp_path: Path) -> None:
    ffmpeg, _ = encoder(tmp_path, blocks=8, advance=0.1)
    seen: list[Progress] = []

    async def slow_database(progress: Progress) -> None:
        seen.append(progress)
        if len(seen) <= 2:
            await asyncio.sleep(0.8)

    result = await FfmpegTranscoder(ffmpeg, stall_timeout=0.5).transcode(request(tmp_path),
                                                                         slow_database)

    assert seen[-1].percent == 100.0
    assert result.warnings == ()
