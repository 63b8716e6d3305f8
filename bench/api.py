"""API benchmark on PostgreSQL: list-page latency and sustained createJob rate.

    .venv/bin/python bench/api.py [--server-url URL] [--rows 10000] [--seconds 30]
                                  [--concurrency 16] [--processes N_CPUS] [--auth on|off]

With --auth on (the default) the client sends an operator API token made in the bench
database, so every request pays for its authentication and authorization. --auth off
sends none: it is for measuring a checkout without access control (PYTHONPATH=that/src),
the baseline the cost of authentication is compared with.

Creates a fresh database on the server (default: the local PostgreSQL as user postgres),
migrates it, seeds --rows jobs and --rows ready input assets, then serves the real app
(`create_app`, GraphQL, the SQLAlchemy adapter) with uvicorn in a subprocess, so client and
server do not share a loop. No transcoding happens: the server's job queue is a bench-only
queue that accepts every dispatch and drops it (the database work of createJob is all done).
Latency is server-side, read from the Server-Timing header the app adds to each response;
server and client CPU time per request are printed too, as the load of other processes on
the machine moves the rates. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from common import admin_sql
from mpr.adapters.clock import SystemClock
from mpr.adapters.sqlalchemy import mapping, migrate
from mpr.adapters.sqlalchemy.engine import make_engine, make_session_factory
from mpr.adapters.sqlalchemy.models import AssetRow, Base, JobRow
from mpr.adapters.sqlalchemy.uow import SqlUnitOfWork
from mpr.application.presets import seed_builtin_presets
from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.ports import Dispatch, QueueStats

DEFAULT_SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
JOBS_PAGE = """query { jobs(status: "pending", limit: 50, offset: %d) {
  id status progress sourceAssetId presetId outputFilename priority attempts createdAt } }"""
ASSETS_PAGE = """query { assets(limit: 50, offset: %d) {
  id filename filePath status duration container videoCodec audioCodec width height
  fileSize createdAt } }"""
CREATE_JOB = """mutation($a: ID!, $p: ID!) {
  createJob(input: {sourceAssetId: $a, presetId: $p}) { id status } }"""
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class DroppingQueue:
    """Bench-only JobQueue: accepts every dispatch and runs nothing."""

    async def dispatch(self, spec: TranscodeSpec, priority: int = 0,
                       previous: Dispatch | None = None) -> Dispatch:
        return Dispatch(task_id=f"bench:{spec.job_id}")

    async def cancel(self, job: TranscodeJob) -> None:
        return None

    async def check(self) -> None:
        return None

    async def stats(self) -> QueueStats:
        return QueueStats(depth=0, workers=0, running=0)

    async def close(self) -> None:
        return None


# ---- seeding ----------------------------------------------------------------------------


def _asset(n: int) -> MediaAsset:
    streams = [{"index": 0, "codec_type": "video", "codec_name": "h264", "width": 1920,
                "height": 1080, "r_frame_rate": "25/1"},
               {"index": 1, "codec_type": "audio", "codec_name": "aac", "sample_rate": "48000",
                "channels": 2}]
    media = MediaInfo(duration=60.0 + n % 600, container="mov,mp4,m4a,3gp,3g2,mj2",
                      video_codec="h264", audio_codec="aac", width=1920, height=1080,
                      framerate=25.0, bitrate=4_000_000,
                      properties={"streams": streams, "format": {"format_name": "mov,mp4"}})
    at = T0 + timedelta(seconds=n)
    return MediaAsset(id=uuid.uuid4(), filename=f"clip-{n:05d}.mp4",
                      file_path=f"shoot-{n % 100:03d}/clip-{n:05d}.mp4", location=Location.INPUT,
                      status=AssetStatus.READY, file_size=50_000_000 + n, media=media,
                      created_at=at, updated_at=at)


def _job(n: int, asset: MediaAsset) -> TranscodeJob:
    statuses = list(JobStatus)
    at = T0 + timedelta(seconds=n, milliseconds=500)
    preset = BUILTIN_PRESETS[n % len(BUILTIN_PRESETS)]
    key = f"{asset.file_path.rsplit('.', 1)[0]}_{preset.name}_{n:05d}.{preset.container or 'mkv'}"
    return TranscodeJob(id=uuid.uuid4(), source_asset_id=asset.id, preset=preset,
                        output_filename=key.rsplit("/", 1)[1], output_path=key, created_at=at,
                        updated_at=at, status=statuses[n % len(statuses)])


def _columns(row: Base) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


async def seed(url: str, rows: int) -> list[MediaAsset]:
    """Migrate, add the builtin presets, bulk-insert the assets and jobs."""
    await migrate.upgrade(url)
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        await seed_builtin_presets(lambda: SqlUnitOfWork(sessions), SystemClock())
        assets = [_asset(n) for n in range(rows)]
        jobs = [_job(n, assets[n % rows]) for n in range(rows)]
        async with engine.begin() as conn:
            await conn.execute(insert(AssetRow),
                               [_columns(mapping.asset_to_row(a)) for a in assets])
            await conn.execute(insert(JobRow),
                               [_columns(mapping.job_to_row(j)) | {"version": 1} for j in jobs])
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return assets


# ---- server subprocess ------------------------------------------------------------------


def serve(database_url: str, port: int, data_dir: str) -> None:
    """The server side: the real app on the bench database, dispatches dropped.

    The socket is bound with SO_REUSEPORT, so several server processes share the port and
    the kernel spreads connections over them (as `uvicorn --workers` does).
    """
    import uvicorn
    from dependency_injector import providers

    from mpr.bootstrap.services import services_of, wire
    from mpr.entrypoints.web.app import create_app
    from mpr.settings import load_settings

    settings = load_settings(database_url=database_url, data_dir=Path(data_dir), samples=False,
                             log_level="WARNING")
    root = wire(settings)
    root.infra.queue.override(providers.Object(DroppingQueue()))
    services = services_of(root)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it
    sock.bind(("127.0.0.1", port))
    uvicorn.run(create_app(services, run_workers=False), fd=sock.fileno(),
                log_level="warning", access_log=False)


def start_servers(database_url: str, data_dir: str, count: int
                  ) -> tuple[list[subprocess.Popen[bytes]], str]:
    """`count` server processes sharing one port; returns them and the base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [sys.executable, __file__, "--serve", database_url, str(port), data_dir]
    processes = []
    for _ in range(count):  # one at a time: each migrates and seeds presets at start
        processes.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL))
        _wait_started(processes[-1], f"http://127.0.0.1:{port}")
    return processes, f"http://127.0.0.1:{port}"


def _wait_started(process: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with code {process.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                time.sleep(1.0)  # the lifespan of a later process may still be running
                return
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("a server did not start within 60 s")


# ---- measurements -----------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _server_ms(response: httpx.Response) -> float:
    timing = response.headers["server-timing"]  # app;dur=1.23
    return float(timing.split("dur=", 1)[1])


async def page_latency(client: httpx.AsyncClient, document: str, count: int
                       ) -> tuple[list[float], list[float]]:
    """Server-side and round-trip milliseconds of `count` sequential requests."""
    server, client_side = [], []
    for _ in range(count):
        start = time.perf_counter()
        response = await client.post("/graphql", json={"query": document})
        client_side.append((time.perf_counter() - start) * 1000)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise SystemExit(f"page failed: {response.status_code} {body}")
        if len(next(iter(body["data"].values()))) != 50:
            raise SystemExit("a page did not hold 50 items")
        server.append(_server_ms(response))
    return server, client_side


async def create_rate(client: httpx.AsyncClient, asset_ids: list[str], preset_ids: list[str],
                      seconds: float, concurrency: int) -> tuple[int, int, list[float], float]:
    """createJob calls completed by `concurrency` concurrent callers for `seconds`."""
    ok = failed = 0
    server: list[float] = []
    deadline = time.perf_counter() + seconds

    async def caller() -> None:
        nonlocal ok, failed
        while time.perf_counter() < deadline:
            variables = {"a": random.choice(asset_ids), "p": random.choice(preset_ids)}
            response = await client.post("/graphql",
                                         json={"query": CREATE_JOB, "variables": variables})
            good = response.status_code == 200 and not response.json().get("errors")
            ok, failed = ok + good, failed + (not good)
            server.append(_server_ms(response))
            if not good and failed == 1:
                print(f"  first createJob failure: {response.text[:300]}", flush=True)

    start = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return ok, failed, server, time.perf_counter() - start


def _summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (f"{name}: median {statistics.median(values):6.2f} ms   p95 {p95:6.2f} ms   "
            f"(n={len(values)})")


async def bench_token(url: str) -> str:
    """An operator token in the bench database (only with access control)."""
    from mpr.adapters.sqlalchemy.access import SqlAccessUnitOfWork
    from mpr.application.tokens import Tokens
    from mpr.domain.identity import Role

    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        tokens = Tokens(lambda: SqlAccessUnitOfWork(sessions), SystemClock())
        return (await tokens.create("bench", Role.OPERATOR)).secret
    finally:
        await engine.dispose()


async def measure(base: str, pid: list[int], assets: list[MediaAsset],
                  args: argparse.Namespace, token: str | None) -> None:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=64)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits,
                                 headers=headers) as client:
        for document in (JOBS_PAGE % 0, ASSETS_PAGE % 0):  # warm up the pool and caches
            await page_latency(client, document, 20)
        pending = args.rows // len(JobStatus)
        for label, document in (("jobs(status: pending) page 1", JOBS_PAGE % 0),
                                ("jobs(status: pending) last page", JOBS_PAGE % (pending - 50)),
                                ("assets page 1", ASSETS_PAGE % 0),
                                ("assets last page", ASSETS_PAGE % (args.rows - 50))):
            cpu = cpu_seconds(pid)
            server, round_trip = await page_latency(client, document, args.pages)
            cpu = (cpu_seconds(pid) - cpu) / args.pages * 1000
            print(f"{_summary(label + ' [server]', server)}   "
                  f"round trip median {statistics.median(round_trip):.2f} ms   "
                  f"server CPU {cpu:.2f} ms/request", flush=True)
        asset_ids = [str(a.id) for a in assets]
        preset_ids = [str(p.id) for p in BUILTIN_PRESETS if p.video_codec]
        cpu, own = cpu_seconds(pid), time.process_time()
        ok, failed, server, took = await create_rate(client, asset_ids, preset_ids,
                                                     args.seconds, args.concurrency)
        cpu = (cpu_seconds(pid) - cpu) / max(1, ok + failed) * 1000
        own = (time.process_time() - own) / max(1, ok + failed) * 1000
    print(f"createJob: {ok / took:7.1f} /s sustained over {took:.1f} s with {args.concurrency} "
          f"concurrent callers ({ok} ok, {failed} failed); CPU per call: server {cpu:.2f} ms, "
          f"client {own:.2f} ms", flush=True)
    print(_summary("createJob [server]", server), flush=True)


async def count_jobs(url: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(JobRow))).scalar_one())
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default=os.environ.get("MPR_TEST_DATABASE_URL")
                        or DEFAULT_SERVER_URL)
    parser.add_argument("--rows", type=int, default=10_000, help="jobs and assets to seed")
    parser.add_argument("--pages", type=int, default=200, help="requests per page kind")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="server processes sharing the port (default: one per CPU, as a "
                             "deployment runs them)")
    parser.add_argument("--auth", choices=("on", "off"), default="on",
                        help="send an operator token (off: for a checkout without auth)")
    args = parser.parse_args()
    name = f"mpr_bench_{uuid.uuid4().hex[:12]}"
    url = make_url(args.server_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(admin_sql(args.server_url, f'CREATE DATABASE "{name}"'))
    try:
        began = time.perf_counter()
        assets = asyncio.run(seed(url, args.rows))
        token = asyncio.run(bench_token(url)) if args.auth == "on" else None
        print(f"seeded {args.rows} jobs and {args.rows} assets into {name} in "
              f"{time.perf_counter() - began:.1f} s; queue: bench-only, dispatches dropped",
              flush=True)
        with tempfile.TemporaryDirectory(prefix="mpr-bench-") as data_dir:
            processes, base = start_servers(url, data_dir, args.processes)
            print(f"{args.processes} server process(es) on one port; load average before "
                  f"measuring: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)", flush=True)
            try:
                before = asyncio.run(count_jobs(url))
                print(f"authentication: {args.auth}", flush=True)
                asyncio.run(measure(base, [p.pid for p in processes], assets, args, token))
                print(f"jobs stored by createJob: {asyncio.run(count_jobs(url)) - before}")
            finally:
                for process in processes:
                    process.terminate()
                    process.wait(10)
    finally:
        asyncio.run(admin_sql(args.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
