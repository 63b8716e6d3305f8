"""API server CPU with many jobUpdates subscribers watching one long running job.

    .venv/bin/python bench/subscribers.py [--subscribers 50] [--seconds 30] \
        [--sources /work/main/src src] [--redis-url redis://127.0.0.1:6379/12]

For each source tree given (same sitting, one after the other, alternated --rounds times):
a fresh PostgreSQL database, Redis (flushed), one `mpr worker` and one `mpr serve` run from
that tree (PYTHONPATH), a 160x120 clip of --clip seconds transcoded with ffmpeg paced by
`-re` (so the job runs that long, with a progress write every 0.5 s). Once the job is
processing, the server's CPU (utime+stime from /proc/<pid>/stat) is measured for --seconds
with no subscriber, then --subscribers GraphQL WebSocket subscribers connect to jobUpdates
and it is measured again for --seconds. Figures: CPU seconds per minute of the server
process in each window, the updates each subscriber received, and the ratio between trees.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis
from sqlalchemy.engine import make_url
from websockets.asyncio.client import connect

from common import admin_sql, cpu_times

SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/12"
UPDATES = "subscription ($id: ID!) { jobUpdates(id: $id) { id status progress } }"
CLIPS = Path(__file__).parent / "out"


@dataclass
class Window:
    cpu_per_minute: float
    updates: list[int]  # per subscriber


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def clip(ffmpeg: str, seconds: int) -> Path:
    """A small test clip, generated once into bench/out/."""
    path = CLIPS / f"subscribers-{seconds}s.mp4"
    if not path.exists():
        CLIPS.mkdir(exist_ok=True)
        subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc2=size=160x120:rate=25:duration={seconds}", "-c:v", "libx264",
                        "-preset", "ultrafast", "-g", "50", str(path)], check=True)
    return path


@contextlib.contextmanager
def stack(source: Path, args: argparse.Namespace) -> Iterator[tuple[httpx.Client, str, int]]:
    """A worker and a server run from `source`, on a fresh database; (client, token, pid)."""
    name = f"mpr_bench_subscribers_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin_sql(args.server_url, f'CREATE DATABASE "{name}"'))
    database_url = make_url(args.server_url).set(database=name).render_as_string(False)
    redis.Redis.from_url(args.redis_url).flushdb()
    with tempfile.TemporaryDirectory(prefix="mpr-bench-subs-") as tmp:
        data_dir = Path(tmp)
        (data_dir / "media" / "in").mkdir(parents=True)
        shutil.copyfile(clip(args.ffmpeg, args.clip), data_dir / "media" / "in" / "long.mp4")
        paced = data_dir / "ffmpeg-paced"
        paced.write_text(f'#!/bin/sh\nexec "{args.ffmpeg}" -re "$@"\n')
        paced.chmod(0o755)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("MPR_")},
               "PYTHONPATH": str(source.resolve()), "MPR_DATABASE_URL": database_url,
               "MPR_REDIS_URL": args.redis_url, "MPR_DATA_DIR": str(data_dir),
               "MPR_SAMPLES": "false", "MPR_LOG_LEVEL": "WARNING", "MPR_FFMPEG": str(paced)}
        port = free_port()
        cli = [sys.executable, "-m", "mpr.entrypoints.cli"]
        server = subprocess.Popen([*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=(data_dir / "serve.log").open("wb"),
                                  stderr=subprocess.STDOUT)
        worker = None
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
            wait_ready(client, server)
            token = subprocess.run([*cli, "token", "create", "--name", "bench", "--role",
                                    "admin"], env=env, capture_output=True, text=True,
                                   check=True).stdout.strip().splitlines()[-1]
            client.headers["Authorization"] = f"Bearer {token}"
            worker = subprocess.Popen([*cli, "worker", "--threads", "1"], env=env,
                                      stdout=(data_dir / "worker.log").open("wb"),
                                      stderr=subprocess.STDOUT)
            yield client, token, server.pid
        finally:
            for process in (worker, server):
                if process is not None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(30)
            asyncio.run(admin_sql(args.server_url,
                                  f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def wait_ready(client: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"mpr serve exited with code {server.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if client.get("/ready").status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit("mpr serve was not ready within 60 s")


def gql(client: httpx.Client, query: str, variables: dict[str, object] | None = None
        ) -> dict[str, object]:
    body = client.post("/graphql", json={"query": query, "variables": variables}).json()
    if body.get("errors"):
        raise SystemExit(f"GraphQL error: {body['errors']}")
    data: dict[str, object] = body["data"]
    return data


def start_job(client: httpx.Client) -> str:
    """Scan the clip in, create a job of it and wait until a worker runs it."""
    gql(client, "mutation { scanMediaFolder { found } }")
    assets = gql(client, "query { assets { id } }")["assets"]
    asset_id = assets[0]["id"]  # type: ignore[index]
    created = gql(client, "mutation ($a: ID!) { createJob(input: {sourceAssetId: $a, "
                          "presetId: null}) { id } }", {"a": asset_id})
    job_id: str = created["createJob"]["id"]  # type: ignore[index]
    deadline = time.monotonic() + 60
    while gql(client, "query ($id: ID!) { job(id: $id) { status } }",
              {"id": job_id})["job"]["status"] != "processing":  # type: ignore[index]
        if time.monotonic() > deadline:
            raise SystemExit("the job did not start within 60 s")
        time.sleep(0.2)
    return job_id


async def subscriber(url: str, token: str, job_id: str, counts: list[int], index: int,
                     ready: asyncio.Event) -> None:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": UPDATES, "variables": {"id": job_id}}}))
        ready.set()
        while json.loads(await ws.recv())["type"] == "next":
            counts[index] += 1


async def measure(pid: int, seconds: float) -> float:
    before = cpu_times(pid)[0]
    await asyncio.sleep(seconds)
    return (cpu_times(pid)[0] - before) * 60 / seconds


def one_run(source: Path, args: argparse.Namespace) -> tuple[Window, Window]:
    with stack(source, args) as (client, token, pid):
        job_id = start_job(client)
        url = str(client.base_url).replace("http://", "ws://") + "/graphql"
        idle, busy = asyncio.run(watch(url, token, job_id, pid, args))
        status = gql(client, "query ($id: ID!) { job(id: $id) { status } }", {"id": job_id})
        if status["job"]["status"] != "processing":  # type: ignore[index]
            print(f"  warning: the job was {status} at the end of the window; use a longer --clip")
        return idle, busy


async def watch(url: str, token: str, job_id: str, pid: int, args: argparse.Namespace
                ) -> tuple[Window, Window]:
    """The server's CPU for a window without subscribers, then for one with them."""
    await asyncio.sleep(2)
    idle = Window(await measure(pid, args.seconds), [])
    counts = [0] * args.subscribers
    readies = [asyncio.Event() for _ in counts]
    tasks = [asyncio.create_task(subscriber(url, token, job_id, counts, n, readies[n]))
             for n in range(args.subscribers)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
    await asyncio.sleep(2)
    start = list(counts)
    busy = await measure(pid, args.seconds)
    got = [c - s for c, s in zip(counts, start, strict=True)]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return idle, Window(busy, got)


def main(args: argparse.Namespace) -> None:
    sources = [Path(s) for s in args.sources]
    results: dict[Path, list[tuple[Window, Window]]] = {s: [] for s in sources}
    for round_ in range(args.rounds):
        for source in sources if round_ % 2 == 0 else reversed(sources):
            idle, busy = one_run(source, args)
            results[source].append((idle, busy))
            print(f"{source}: no subscriber {idle.cpu_per_minute:.2f} CPU s/min; "
                  f"{args.subscribers} subscribers {busy.cpu_per_minute:.2f} CPU s/min, "
                  f"updates per subscriber in {args.seconds:.0f} s: median "
                  f"{statistics.median(busy.updates)}, min {min(busy.updates)}", flush=True)
    medians = {s: statistics.median(b.cpu_per_minute for _, b in r) for s, r in results.items()}
    for source, value in medians.items():
        print(f"median with {args.subscribers} subscribers, {source}: {value:.2f} CPU s/min")
    if len(sources) == 2:
        first, second = (medians[s] for s in sources)
        print(f"ratio {sources[0]} / {sources[1]}: {first / max(second, 1e-9):.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clip", type=int, default=120, help="seconds of media (job length)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--sources", nargs="+", default=["src"])
    parser.add_argument("--ffmpeg", default=os.environ.get("MPR_FFMPEG", "ffmpeg"))
    parser.add_argument("--server-url", default=os.environ.get("MPR_BENCH_DATABASE_URL",
                                                               SERVER_URL))
    parser.add_argument("--redis-url", default=REDIS_URL)
    main(parser.parse_args())
