"""Fault soak: jobs on Dramatiq workers while workers are SIGKILLed and Redis dies.

    .venv/bin/python bench/soak.py [--jobs 200] [--workers 2] [--kill-every 20] [--cancel 10]

A fresh PostgreSQL database, a Redis server of its own on a free port (killed with SIGKILL
twice, a third and two thirds of the way, and started again 2 s later), --workers `mpr
worker` processes; every --kill-every seconds one worker's process group gets SIGKILL and a
fresh worker starts. Jobs: 6 s 320x240 clips encoded with h264-480p (and every fifth a copy
cut), some cancelled on the way. At the end it prints: jobs completed / cancelled / failed /
lost (not ended within the time limit), outputs duplicated (files in the output store that
no completed job owns, or a job's output missing), ffmpeg processes seen alive 1 s after a
kill (orphans), and files left in staging.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy.engine import make_url

from common import admin_sql
from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.application.create_job import CreateJobCommand
from mpr.bootstrap import Services, build
from mpr.domain.errors import InvalidTransition
from mpr.domain.job import TranscodeJob
from mpr.settings import Settings

SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
TIME_LIMIT = 900.0  # seconds for all jobs to end


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Redis:
    """A redis-server of the soak's own, which it can kill and start again."""

    def __init__(self, port: int) -> None:
        self.port, self.kills = port, 0
        self.process = self.start()

    def start(self) -> subprocess.Popen[bytes]:
        argv = [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        return subprocess.Popen(argv, stdout=subprocess.DEVNULL)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


class Workers:
    """`mpr worker` processes, each the leader of its own process group."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir = env, log_dir
        self.live: list[subprocess.Popen[bytes]] = []
        self.started = 0

    def start(self) -> None:
        log = (self.log_dir / f"worker-{self.started}.log").open("wb")
        argv = [sys.executable, "-m", "mpr.entrypoints.cli", "worker", "--threads", "1"]
        self.live.append(subprocess.Popen(argv, env={**os.environ, **self.env}, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True))
        self.started += 1

    def kill_one(self) -> None:
        victim = self.live.pop(random.randrange(len(self.live)))
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()

    def stop(self) -> None:
        for worker in self.live:
            worker.send_signal(signal.SIGTERM)
        for worker in self.live:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


def ffmpeg_of(data_dir: Path) -> list[int]:
    """Live ffmpeg processes working on this soak's files."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if (os.path.basename(argv[0]).startswith(b"ffmpeg") and state != "Z"
                and str(data_dir).encode() in b" ".join(argv)):
            found.append(int(entry.name))
    return found


def orphans(data_dir: Path, workers: Workers) -> int:
    """ffmpeg processes of this soak whose parent is no live worker."""
    parents = {w.pid for w in workers.live}
    count = 0
    for pid in ffmpeg_of(data_dir):
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        count += ppid not in parents
    return count


async def faults(workers: Workers, redis: Redis, data_dir: Path, args: argparse.Namespace,
                 seen_orphans: list[int]) -> None:
    """Kill a worker every --kill-every s (and Redis twice) until cancelled."""
    kills = 0
    redis_kills = {max(1, args.expected_kills // 3), max(2, 2 * args.expected_kills // 3)}
    while True:
        await asyncio.sleep(args.kill_every)
        workers.kill_one()
        kills += 1
        if kills in redis_kills:
            redis.kill()
            redis.kills += 1
            await asyncio.sleep(2)
            redis.process = redis.start()
        await asyncio.sleep(1)
        seen_orphans.append(orphans(data_dir, workers))
        workers.start()


async def create_jobs(services: Services, assets: list[str], count: int
                      ) -> list[TranscodeJob]:
    presets = {p.name: str(p.id) for p in await services.queries.presets()}
    jobs = []
    for n in range(count):
        preset = None if n % 5 == 0 else presets["h264-480p"]
        jobs.append(await services.create_job(CreateJobCommand(assets[n % len(assets)],
                                                               preset, priority=n % 3)))
    return jobs


async def cancel_some(services: Services, jobs: list[TranscodeJob], count: int) -> set[str]:
    """Cancel `count` jobs at random moments in the first minutes."""
    chosen = random.sample(jobs, count)
    cancelled = set()
    for job in chosen:
        await asyncio.sleep(random.uniform(1, 12))
        with contextlib.suppress(InvalidTransition):  # it ended first
            await services.cancel_job(str(job.id))
            cancelled.add(str(job.id))
    return cancelled


async def wait_all_ended(services: Services, ids: list[uuid.UUID]) -> list[TranscodeJob]:
    deadline = time.monotonic() + TIME_LIMIT
    while True:
        jobs = [await services.queries.job(str(i)) for i in ids]
        if all(not j.status.is_active for j in jobs) or time.monotonic() > deadline:
            return jobs
        await asyncio.sleep(1)


def duplicates(media_out: Path, completed: list[TranscodeJob]) -> tuple[int, int]:
    """(files no completed job owns, completed jobs whose output is missing)."""
    stored = {p.relative_to(media_out).as_posix() for p in media_out.rglob("*")
              if p.is_file() and ".mpr-staging" not in p.parts}
    owned = {j.output_path for j in completed}
    return len(stored - owned), len(owned - stored)


async def soak(services: Services, data_dir: Path, env: dict[str, str], redis: Redis,
               args: argparse.Namespace) -> None:
    assets = [str(a.id) for a in await services.queries.assets()]
    workers = Workers(env, data_dir)
    for _ in range(args.workers):
        workers.start()
    seen_orphans: list[int] = []
    started = time.monotonic()
    try:
        jobs = await create_jobs(services, assets, args.jobs)
        chaos = asyncio.create_task(faults(workers, redis, data_dir, args, seen_orphans))
        cancelled = await cancel_some(services, jobs, args.cancel)
        ended = await wait_all_ended(services, [j.id for j in jobs])
        chaos.cancel()
        elapsed = time.monotonic() - started
        await asyncio.sleep(1)
        final_orphans = orphans(data_dir, workers)
        staging = services.output_storage.staging_dir()
        left_in_staging = sorted(p.name for p in staging.iterdir())
    finally:
        workers.stop()  # also when the soak fails: no worker outlives it
    print(f"Redis killed {redis.kills} times")
    report(ended, cancelled, workers, seen_orphans, final_orphans, left_in_staging,
           duplicates(services.settings.media_out,
                      [j for j in ended if j.status.value == "completed"]), elapsed)


def report(ended: list[TranscodeJob], cancelled: set[str], workers: Workers,
           seen_orphans: list[int], final_orphans: int, left: list[str],
           dup: tuple[int, int], elapsed: float) -> None:
    statuses = Counter(j.status.value for j in ended)
    lost = sum(1 for j in ended if j.status.is_active)
    attempts = Counter(j.attempts for j in ended if j.status.value == "completed")
    print(f"{len(ended)} jobs in {elapsed:.0f} s; {workers.started} workers started, "
          f"{len(seen_orphans)} killed with SIGKILL")
    print(f"statuses: {dict(statuses)}; asked to cancel {len(cancelled)}; lost {lost}")
    print(f"completed jobs by attempts: {dict(sorted(attempts.items()))}")
    print(f"failed: {[j.error_message for j in ended if j.status.value == 'failed'][:5]}")
    print(f"duplicated outputs: {dup[0]}; completed jobs without their output: {dup[1]}")
    print(f"orphaned ffmpeg 1 s after each kill: {sum(seen_orphans)} ({seen_orphans}); "
          f"at the end: {final_orphans}")
    print(f"files left in staging: {len(left)} {left[:5]}")


async def main(args: argparse.Namespace) -> None:
    name = f"mpr_bench_soak_{uuid.uuid4().hex[:8]}"
    await admin_sql(args.server_url, f'CREATE DATABASE "{name}"')
    database_url = make_url(args.server_url).set(database=name).render_as_string(False)
    redis = Redis(free_port())
    redis_url = f"redis://127.0.0.1:{redis.port}/0"
    with tempfile.TemporaryDirectory(prefix="mpr-soak-") as tmp:
        data_dir = Path(tmp)
        env = {"MPR_DATABASE_URL": database_url, "MPR_REDIS_URL": redis_url,
               "MPR_DATA_DIR": str(data_dir), "MPR_SAMPLES": "false",
               "MPR_LOG_LEVEL": "INFO", "MPR_WORKER_HEARTBEAT_TIMEOUT": "5"}
        settings = Settings(database_url=database_url, redis_url=redis_url, data_dir=data_dir,
                            samples=False, worker_heartbeat_timeout=5)
        services = build(settings)
        try:
            await services.prepare()
            for n in range(3):
                await make_test_clip(settings.ffmpeg, settings.media_in / f"clip{n}.mp4",
                                     duration=args.clip_seconds, width=320, height=240)
            await services.scan_media()
            await soak(services, data_dir, env, redis, args)
        finally:
            await services.close()
            redis.kill()
            await admin_sql(args.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=20.0)
    parser.add_argument("--cancel", type=int, default=10)
    parser.add_argument("--clip-seconds", type=float, default=6.0)
    parser.add_argument("--expected-kills", type=int, default=9,
                        help="Redis dies after a third and two thirds of this many kills")
    parser.add_argument("--server-url", default=os.environ.get("MPR_BENCH_DATABASE_URL",
                                                               SERVER_URL))
    asyncio.run(main(parser.parse_args()))
