"""FfmpegTranscoder with real ffmpeg: what it says about damaged and truncated sources."""

from __future__ import annotations

import random
import sys
import uuid
from pathlib import Path

import pytest

from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.adapters.ffmpeg.transcoder import FfmpegTranscoder
from mpr.domain.job import Progress, Trim
from mpr.domain.pipeline import MediaSource, TranscodeRequest
from mpr.domain.preset import TranscodePreset
from tests.integration.media import FFMPEG, probe

FAST = TranscodePreset(id=uuid.uuid4(), name="fast", container="mp4", video_codec="libx264",
                       video_preset="ultrafast", audio_codec="aac")


@pytest.fixture(scope="module")
async def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("warnings") / "clip.mp4"
    return await make_test_clip(FFMPEG, path, duration=6, width=640, height=360,
                                codec_args=["-c:v", "libx264", "-preset", "ultrafast",
                                            "-c:a", "aac", "-movflags", "+faststart"])


async def encode(source: Path, tmp_path: Path) -> tuple[tuple[str, ...], Path]:
    destination = tmp_path / "out.mp4"
    request = TranscodeRequest(source=MediaSource.at(str(source)),
                               destination=str(destination), preset=FAST,
                               trim=Trim(), output_format="mp4", expected_duration=6.0)

    async def ignore(progress: Progress) -> None:
        return None

    result = await FfmpegTranscoder(FFMPEG).transcode(request, ignore)
    return result.warnings, destination


async def test_a_clean_source_encodes_without_warnings(clip: Path, tmp_path: Path) -> None:
    warnings, _ = await encode(clip, tmp_path)

    assert warnings == ()


async def test_decode_errors_come_back_as_distinct_warnings_without_paths(
        clip: Path, tmp_path: Path) -> None:
    data = bytearray(clip.read_bytes())
    data[len(data) // 2:len(data) // 2 + 65536] = random.Random(4).randbytes(65536)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))

    warnings, output = await encode(damaged, tmp_path)

    assert warnings
    assert len(warnings) == len(set(warnings)) <= 20
    assert all(str(tmp_path) not in w and "file:" not in w and " @ 0x" not in w
               for w in warnings), warnings
    assert probe(output).duration == pytest.approx(6.0, abs=0.3)


async def test_a_truncated_source_exits_cleanly_with_a_short_output_and_says_why(
        clip: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(clip.read_bytes()[:clip.stat().st_size // 3])

    warnings, output = await encode(truncated, tmp_path)

    assert probe(output).duration < 3.0  # what the pipeline's output check must catch
    assert any("partial file" in w for w in warnings), warnings
    assert any(w.startswith("truncated.mp4: ") for w in warnings), warnings


FAKE_FFMPEG = """#!{python}
import sys
args = sys.argv[1:]
source, destination = args[args.index("-i") + 1], args[-1]
sys.stderr.write(f"[mov,mp4 @ 0x5612] {{source}}: stream 1, offset 0x1f: partial file\\n")
sys.stderr.write(f"Output {{destination}} was written" + " with care" * 60 + "\\n")
open(destination.removeprefix("file:"), "wb").write(b"out")
print("out_time_us=1000000\\nprogress=end", flush=True)
"""


async def test_paths_in_warnings_are_redacted_however_long_the_line(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-directory-name"] * 20)
    deep.mkdir(parents=True)
    source = deep / "clip.mp4"
    source.write_bytes(b"not read")
    fake = tmp_path / "fake-ffmpeg"
    fake.write_text(FAKE_FFMPEG.format(python=sys.executable))
    fake.chmod(0o755)
    request = TranscodeRequest(source=MediaSource.at(str(source)),
                               destination=str(deep / "out.mp4"),
                               preset=FAST, trim=Trim(), output_format="mp4",
                               expected_duration=1.0)

    async def ignore(progress: Progress) -> None:
        return None

    result = await FfmpegTranscoder(str(fake)).transcode(request, ignore)

    assert result.warnings[0] == "mov,mp4: clip.mp4: stream 1, offset 0x1f: partial file"
    assert result.warnings[1].startswith("Output out.mp4 was written with care")
    assert all(str(tmp_path) not in w and "a-rather-long" not in w for w in result.warnings)
    assert all(len(w) <= 500 for w in result.warnings)
