"""A ladder in one ffmpeg run against four single-rendition encodes, and against raw ffmpeg.

    .venv/bin/python bench/ladder.py [--runs 3] [--seconds 20] [--preset hls-ladder]

Generates (once, cached in bench/out/) a 1920x1080 testsrc2 + sine source, then alternates,
`--runs` times:
  (a) the ladder through MPR's transcoder (FfmpegTranscoder: one ffmpeg run decoding once and
      encoding every rendition, progress followed, then the master playlist written from the
      segments), as a worker runs it;
  (b) the same renditions one at a time: four runs of the transcoder, each a one-rendition
      ladder with the same settings (each decodes the source again), summed;
  (c) raw ffmpeg running the very argv (a) runs, its progress read to the end.
Prints each run, the medians, (a) / (b) (target <= 0.8) and (a) / (c) (target <= 1.05), in
wall time and in CPU seconds (the CPU ratios stay meaningful on a busy host).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mpr.adapters.ffmpeg.command import build_command
from mpr.adapters.ffmpeg.transcoder import FfmpegTranscoder
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.job import Progress, Trim
from mpr.domain.ladder import parse_renditions
from mpr.domain.pipeline import MediaSource, TranscodeRequest
from mpr.domain.preset import TranscodePreset

OUT = Path(__file__).resolve().parent / "out"
FFMPEG = os.environ.get("MPR_FFMPEG", "ffmpeg")


@dataclass(frozen=True, slots=True)
class Timing:
    wall: float
    cpu: float  # CPU seconds of the child processes (ffmpeg, ffprobe)


def source_clip(seconds: int) -> Path:
    """The cached 1080p source of that length, generated on first use."""
    path = OUT / f"source-1080p-{seconds}s.mp4"
    if path.is_file():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.mp4")
    picture = f"testsrc2=size=1920x1080:rate=30:duration={seconds}"
    tone = f"sine=frequency=1000:sample_rate=48000:duration={seconds}"
    subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
                    "-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", tone,
                    "-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "128k", str(partial)], check=True)
    partial.replace(path)
    return path


def request_for(source: Path, folder: Path, preset: TranscodePreset, seconds: int
                ) -> TranscodeRequest:
    folder.mkdir(parents=True)
    return TranscodeRequest(source=MediaSource.at(str(source)),
                            destination=str(folder / "master.m3u8"), preset=preset,
                            trim=Trim(), output_format=preset.container or "hls",
                            expected_duration=float(seconds))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def ignore(progress: Progress) -> None:
    del progress


def timed_transcode(request: TranscodeRequest) -> Timing:
    """One run of MPR's transcoder (ffmpeg, then the playlists written), timed."""
    cpu, start = children_cpu(), time.perf_counter()
    asyncio.run(FfmpegTranscoder(FFMPEG).transcode(request, ignore))
    return Timing(time.perf_counter() - start, children_cpu() - cpu)


def timed_raw(argv: list[str]) -> Timing:
    """Raw ffmpeg on the argv, progress read from its stdout to the end, as MPR reads it."""
    cpu, start = children_cpu(), time.perf_counter()
    subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, check=True)
    return Timing(time.perf_counter() - start, children_cpu() - cpu)


def one_round(source: Path, preset: TranscodePreset, seconds: int, work: Path, n: int
              ) -> tuple[Timing, Timing, Timing]:
    """(ladder, sum of singles, raw ffmpeg) for one round, each in a fresh folder."""
    ladder = timed_transcode(request_for(source, work / f"ladder-{n}", preset, seconds))
    singles = [timed_transcode(request_for(source, work / f"single-{n}-{i}",
                                           preset.evolve(renditions=rung.text), seconds))
               for i, rung in enumerate(parse_renditions(preset.renditions or ""))]
    raw_request = request_for(source, work / f"raw-{n}", preset, seconds)
    raw = timed_raw(build_command(raw_request, FFMPEG))
    summed = Timing(sum(s.wall for s in singles), sum(s.cpu for s in singles))
    return ladder, summed, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20, help="length of the 1080p source")
    parser.add_argument("--preset", default="hls-ladder", choices=["hls-ladder", "cmaf-ladder"])
    args = parser.parse_args()
    preset = next(p for p in BUILTIN_PRESETS if p.name == args.preset)
    source = source_clip(args.seconds)
    rounds = []
    work = Path(tempfile.mkdtemp(prefix="mpr-bench-ladder-"))
    try:
        for n in range(args.runs):
            ladder, summed, raw = one_round(source, preset, args.seconds, work, n)
            rounds.append((ladder, summed, raw))
            print(f"run {n + 1}: ladder {ladder.wall:6.2f} s ({ladder.cpu:6.1f} cpu-s)  "
                  f"four singles {summed.wall:6.2f} s ({summed.cpu:6.1f})  "
                  f"raw ffmpeg {raw.wall:6.2f} s ({raw.cpu:6.1f})", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(rounds, args, os.getloadavg())


def report(rounds: list[tuple[Timing, Timing, Timing]], args: argparse.Namespace,
           load: tuple[float, float, float]) -> None:
    def median(i: int, field: str) -> float:
        return statistics.median(getattr(r[i], field) for r in rounds)

    print(f"\n{args.preset}, {args.seconds} s 1080p source, {args.runs} runs, "
          f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for field, unit in (("wall", "wall s"), ("cpu", "cpu s")):
        ladder, singles, raw = (median(i, field) for i in range(3))
        print(f"median {unit}: ladder {ladder:.2f}, four singles {singles:.2f}, raw {raw:.2f}; "
              f"ladder / singles = {ladder / singles:.3f} (target <= 0.8), "
              f"ladder / raw = {ladder / raw:.3f} (target <= 1.05)")


if __name__ == "__main__":
    main()
