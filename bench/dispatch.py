"""Dramatiq dispatch benchmark: createJob -> processing latency, and 200 copy jobs on 2 workers.

    .venv/bin/python bench/dispatch.py [--jobs 200] [--latency-runs 40] [--workers 2]

Creates a fresh PostgreSQL database (default: the local server as user postgres), uses Redis
database 12 (flushed), generates a 1 s 160x120 clip, and starts real `mpr worker` processes
(one thread each). Latency: one job at a time on idle workers, from just before createJob to
the job's started_at (the worker's claim; same machine, same clock). Throughput: --jobs
`copy` jobs created back to back, timed until the last one is completed, against the very
same ffmpeg argv run --jobs times back to back in this process. The database is dropped at
the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import redis
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from common import admin_sql
from mpr.adapters.ffmpeg.command import build_command
from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.adapters.sqlalchemy.models import JobRow
from mpr.application.create_job import CreateJobCommand
from mpr.bootstrap import Services, build
from mpr.domain.builtin_presets import COPY_PRESET
from mpr.domain.job import JobStatus, Trim
from mpr.domain.pipeline import MediaSource, TranscodeRequest
from mpr.settings import Settings

SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/12"


def start_workers(count: int, env: dict[str, str], log_dir: Path) -> list[subprocess.Popen[bytes]]:
    argv = [sys.executable, "-m", "mpr.entrypoints.cli", "worker", "--threads", "1"]
    return [subprocess.Popen(argv, env={**os.environ, **env},
                             stdout=(log_dir / f"worker-{n}.log").open("wb"),
                             stderr=subprocess.STDOUT) for n in range(count)]


async def wait_for_workers(services: Services, count: int) -> None:
    while True:
        stats = await services.queue.stats()
        if stats.workers >= count:
            return
        await asyncio.sleep(0.2)


async def count_completed(services: Services, ids: set[uuid.UUID]) -> int:
    async with services.admin.sessions() as session:
        query = select(func.count()).where(JobRow.id.in_(ids),
                                           JobRow.status == JobStatus.COMPLETED.value)
        return int(await session.scalar(query) or 0)


async def latency(services: Services, asset_id: str, runs: int) -> list[float]:
    """createJob -> started_at, one job at a time on idle workers, in milliseconds."""
    samples = []
    for _ in range(runs):
        before = datetime.now(UTC)
        job = await services.create_job(CreateJobCommand(asset_id))
        while True:
            current = await services.queries.job(str(job.id))
            if current.status is JobStatus.COMPLETED and current.started_at is not None:
                break
            await asyncio.sleep(0.02)
        samples.append((current.started_at - before).total_seconds() * 1000)
    return samples


async def throughput(services: Services, asset_id: str, jobs: int) -> float:
    started = time.perf_counter()
    ids = {(await services.create_job(CreateJobCommand(asset_id))).id for _ in range(jobs)}
    while await count_completed(services, ids) < jobs:  # noqa: ASYNC110 - polling the DB
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


def raw_ffmpeg(ffmpeg: str, source: Path, out_dir: Path, jobs: int) -> float:
    started = time.perf_counter()
    for n in range(jobs):
        request = TranscodeRequest(source=MediaSource.at(str(source)),
                                   destination=str(out_dir / f"{n}.mp4"),
                                   preset=COPY_PRESET, trim=Trim(), output_format="mp4",
                                   expected_duration=1.0)
        subprocess.run(build_command(request, ffmpeg), check=True, capture_output=True)
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(args: argparse.Namespace) -> None:
    name = f"mpr_bench_dispatch_{uuid.uuid4().hex[:8]}"
    await admin_sql(args.server_url, f'CREATE DATABASE "{name}"')
    database_url = make_url(args.server_url).set(database=name).render_as_string(False)
    redis.Redis.from_url(args.redis_url).flushdb()
    workers: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="mpr-bench-") as tmp:
        data_dir = Path(tmp)
        env = {"MPR_DATABASE_URL": database_url, "MPR_REDIS_URL": args.redis_url,
               "MPR_DATA_DIR": str(data_dir), "MPR_SAMPLES": "false", "MPR_LOG_LEVEL": "WARNING"}
        settings = Settings(database_url=database_url, redis_url=args.redis_url,
                            data_dir=data_dir, samples=False)
        services = build(settings)
        try:
            await services.prepare()
            clip = await make_test_clip(settings.ffmpeg, settings.media_in / "clip.mp4",
                                        duration=1, width=160, height=120)
            await services.scan_media()
            [asset] = await services.queries.assets()
            workers = start_workers(args.workers, env, data_dir)
            await wait_for_workers(services, args.workers)
            await report(services, str(asset.id), clip, data_dir, args)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(30)
            await services.close()
            await admin_sql(args.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def report(services: Services, asset_id: str, clip: Path, data_dir: Path,
                 args: argparse.Namespace) -> None:
    await latency(services, asset_id, 3)  # warm up both workers' connections
    samples = await latency(services, asset_id, args.latency_runs)
    print(f"createJob -> processing ({args.latency_runs} jobs, one at a time): "
          f"median {statistics.median(samples):.1f} ms, p99 {percentile(samples, 0.99):.1f} ms, "
          f"max {max(samples):.1f} ms")
    platform = await throughput(services, asset_id, args.jobs)
    raw_dir = data_dir / "raw"
    raw_dir.mkdir()
    raw = await asyncio.to_thread(raw_ffmpeg, services.settings.ffmpeg, clip, raw_dir, args.jobs)
    print(f"{args.jobs} copy jobs on {args.workers} workers: {platform:.2f} s "
          f"({args.jobs / platform:.1f} jobs/s)")
    print(f"the same {args.jobs} ffmpeg commands back to back: {raw:.2f} s "
          f"({args.jobs / raw:.1f} /s); MPR / raw = {platform / raw:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--latency-runs", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-url", default=os.environ.get("MPR_BENCH_DATABASE_URL",
                                                               SERVER_URL))
    parser.add_argument("--redis-url", default=REDIS_URL)
    asyncio.run(main(parser.parse_args()))
