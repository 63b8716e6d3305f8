"""Platform overhead: a job's createJob -> completed time over raw ffmpeg's time (SPEC 7).

    .venv/bin/python bench/overhead.py [--runs 3] [--preset h264-720p] [--poll 1.0]

Generates (once, cached in bench/out/) a 30 s 1920x1080 testsrc2 + sine source, then
alternates (a) raw ffmpeg with the very argv MPR's transcoder runs for the preset and
(b) MPR end to end: a real `mpr serve` on the embedded default (SQLite, filesystem, in-process
worker) in a temporary data dir; the client times createJob -> `job` polled as completed.
Prints each run, the medians, the ratio MPR / raw (target <= 1.05) and where MPR's extra time
goes (queue wait, encode, after-encode work, client polling), from the job's own timestamps.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from common import FfmpegWatch, Server, cpu_times, mpr_server
from mpr.adapters.ffmpeg.command import build_command
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.job import Trim
from mpr.domain.pipeline import MediaSource, TranscodeRequest

OUT = Path(__file__).resolve().parent / "out"
SOURCE_SECONDS = 30
FFMPEG = os.environ.get("MPR_FFMPEG", "ffmpeg")
JOB = """query ($id: ID!) {
  job(id: $id) { status errorMessage outputPath createdAt startedAt completedAt }
}"""
CREATE = "mutation ($input: CreateJobInput!) { createJob(input: $input) { id status } }"


@dataclass(frozen=True, slots=True)
class MprRun:
    """One end-to-end job: client-side wall time and the job's own timestamps."""

    wall: float
    queued: float  # createdAt -> startedAt
    running: float  # startedAt -> completedAt (encode, probe, move, database)
    server_cpu: float  # CPU seconds of the server process itself (Python, database)
    children_cpu: float  # CPU seconds of its reaped children (ffmpeg, ffprobe)
    ffmpeg: float  # wall time of the job's ffmpeg process (start to exit, +-poll)


@dataclass(frozen=True, slots=True)
class RawRun:
    wall: float
    cpu: float  # CPU seconds of ffmpeg


def source_clip() -> Path:
    """The cached 30 s 1080p source, generated on first use."""
    path = OUT / f"source-1080p-{SOURCE_SECONDS}s.mp4"
    if path.is_file():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.mp4")
    lavfi = [f"testsrc2=size=1920x1080:rate=30:duration={SOURCE_SECONDS}",
             f"sine=frequency=1000:sample_rate=48000:duration={SOURCE_SECONDS}"]
    subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
                    "-f", "lavfi", "-i", lavfi[0], "-f", "lavfi", "-i", lavfi[1],
                    "-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "128k", str(partial)], check=True)
    partial.replace(path)
    return path


def raw_argv(source: Path, destination: Path, preset_name: str) -> list[str]:
    """The argv MPR's pipeline builds for a whole-file job with this preset."""
    preset = next(p for p in BUILTIN_PRESETS if p.name == preset_name)
    request = TranscodeRequest(source=MediaSource.at(str(source)),
                               destination=str(destination), preset=preset,
                               trim=Trim(), output_format=preset.container or "mp4",
                               expected_duration=float(SOURCE_SECONDS))
    return build_command(request, FFMPEG)


def time_raw(argv: list[str], destination: Path) -> RawRun:
    """Wall and CPU time of one raw ffmpeg run (progress read from its stdout, as MPR does)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, check=True,
                   env={"SVT_LOG": "1", **os.environ})
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    destination.unlink()
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return RawRun(elapsed, cpu)


def time_mpr(server: Server, job_input: dict[str, Any], poll: float) -> MprRun:
    """createJob, then poll job(id) every `poll` seconds until it is completed."""
    own, children = cpu_times(server.pid)
    start = time.perf_counter()
    job_id = server.gql(CREATE, {"input": job_input})["createJob"]["id"]
    watch = FfmpegWatch(job_id)
    while True:
        watch.look()
        job = server.gql(JOB, {"id": job_id})["job"]
        if job["status"] == "completed":
            break
        if job["status"] in ("failed", "cancelled"):
            raise SystemExit(f"job {job_id} {job['status']}: {job['errorMessage']}")
        time.sleep(poll)
    wall = time.perf_counter() - start
    own_after, children_after = cpu_times(server.pid)
    (server.data_dir / "media" / "out" / job["outputPath"]).unlink()
    created, started, completed = (datetime.fromisoformat(job[k])
                                   for k in ("createdAt", "startedAt", "completedAt"))
    return MprRun(wall, (started - created).total_seconds(),
                  (completed - started).total_seconds(), own_after - own,
                  children_after - children, watch.elapsed)


def prepare(server: Server, source: Path, preset_name: str) -> dict[str, Any]:
    """Put the source in the input store, scan it; the createJob input for the preset."""
    shutil.copyfile(source, server.data_dir / "media" / "in" / source.name)
    server.gql("mutation { scanMediaFolder { registered } }")
    asset = server.gql('query { assets(status: "ready") { id filename } }')["assets"][0]
    presets = server.gql("query { presets { id name } }")["presets"]
    preset_id = next(p["id"] for p in presets if p["name"] == preset_name)
    return {"sourceAssetId": asset["id"], "presetId": preset_id}


def report(raws: list[RawRun], mpr: list[MprRun], poll: float) -> None:
    raw = [r.wall for r in raws]
    raw_med = statistics.median(raw)
    wall = statistics.median(r.wall for r in mpr)
    queued = statistics.median(r.queued for r in mpr)
    running = statistics.median(r.running for r in mpr)
    print(f"\nraw ffmpeg      median {raw_med:7.2f} s   runs: {_fmt(raw)}")
    print(f"MPR end to end  median {wall:7.2f} s   runs: {_fmt([r.wall for r in mpr])}")
    print(f"  queue wait (createdAt -> startedAt)        median {queued:6.3f} s")
    print(f"  running (startedAt -> completedAt)         median {running:6.3f} s"
          f"  ({running - raw_med:+.3f} s vs raw)")
    print(f"  client side (wall - server timestamps)     median "
          f"{wall - queued - running:6.3f} s  (poll every {poll * 1000:.0f} ms)")
    outside = statistics.median(r.wall - r.ffmpeg for r in mpr)
    print(f"  outside MPR's ffmpeg (wall - its ffmpeg)   median {outside:6.3f} s  -> ratio "
          f"(raw + outside) / raw = {(raw_med + outside) / raw_med:.3f}")
    raw_cpu = statistics.median(r.cpu for r in raws)
    children_cpu = statistics.median(r.children_cpu for r in mpr)
    server_cpu = statistics.median(r.server_cpu for r in mpr)
    print(f"CPU seconds: raw ffmpeg {raw_cpu:.2f}; MPR's ffmpeg+ffprobe {children_cpu:.2f}, "
          f"MPR server itself {server_cpu:.2f}; CPU ratio MPR / raw = "
          f"{(children_cpu + server_cpu) / raw_cpu:.3f} (steadier than wall time on a busy host)")
    print(f"client-observed ratio (wall, +- one poll) = {wall / raw_med:.3f}")
    # createdAt and completedAt are stamped by the server when createJob runs and when the
    # output is stored: the end-to-end time, free of the client's polling granularity.
    ratio = (queued + running) / raw_med
    verdict = "OK" if ratio <= 1.05 else "ABOVE TARGET"
    print(f"overhead ratio MPR (createdAt -> completedAt) / raw = {ratio:.3f}  "
          f"(target <= 1.05: {verdict})")


def _fmt(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", default="h264-720p")
    parser.add_argument("--poll", type=float, default=1.0,
                        help="job poll interval, seconds (fast polling costs ffmpeg CPU)")
    args = parser.parse_args()
    source = source_clip()
    raw: list[RawRun] = []
    mpr: list[MprRun] = []
    with tempfile.TemporaryDirectory(prefix="mpr-bench-") as tmp:
        destination = Path(tmp) / "raw.mp4"
        argv = raw_argv(source, destination, args.preset)
        print("raw argv:", " ".join(argv))
        with mpr_server(Path(tmp) / "data") as server:
            job_input = prepare(server, source, args.preset)
            for n in range(1, args.runs + 1):
                raw.append(time_raw(argv, destination))
                mpr.append(time_mpr(server, job_input, args.poll))
                print(f"run {n}: raw {raw[-1].wall:.2f} s, MPR {mpr[-1].wall:.2f} s "
                      f"(its ffmpeg {mpr[-1].ffmpeg:.2f} s)", flush=True)
    report(raw, mpr, args.poll)


if __name__ == "__main__":
    main()
