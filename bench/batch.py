"""Batch benchmark: createJobs of 200 assets against 200 createJob calls, and batch(id) reads.

    .venv/bin/python bench/batch.py [--server-url URL] [--rows 10000] [--runs 5] [--sqlite]

Creates a fresh database (PostgreSQL on the server, default the local one as user postgres;
or a SQLite file with --sqlite), seeds --rows ready assets and --rows jobs as bench/api.py
does, and calls the use cases in this process (the same Services the API calls) with a job
queue that accepts every dispatch and drops it: what is timed is the database work and the
checks of a batch, no transcoding. Each run alternates: createJobs with 200 asset ids, 200
createJob calls on the same assets one after another, createJobs with a filter matching 100
assets; then batch(id) of a 200-job batch is read --runs * 4 times. Prints each run and the
medians. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from dependency_injector import providers
from sqlalchemy.engine import make_url

from api import DroppingQueue, seed
from common import admin_sql
from mpr.application.create_job import CreateJobCommand
from mpr.application.create_jobs import AssetFilter, CreateJobsCommand
from mpr.bootstrap.services import Services, services_of, wire
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.settings import load_settings

DEFAULT_SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PRESET = str(next(p for p in BUILTIN_PRESETS if p.name == "h264-720p").id)
BATCH = 200


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


async def one_by_one(services: Services, ids: list[str]) -> None:
    for asset_id in ids:
        await services.create_job(CreateJobCommand(asset_id, PRESET))


async def measure(services: Services, ids: list[str], runs: int) -> None:
    by_ids, singles, by_filter = [], [], []
    matching = AssetFilter(status="ready", location="input", search="clip-000")  # 100 assets
    for run in range(runs):
        by_ids.append(await timed(lambda: services.create_jobs(
            CreateJobsCommand(PRESET, asset_ids=ids))))
        singles.append(await timed(lambda: one_by_one(services, ids)))
        by_filter.append(await timed(lambda: services.create_jobs(
            CreateJobsCommand(PRESET, matching=matching))))
        print(f"run {run + 1}: createJobs(200 ids) {by_ids[-1] * 1000:.0f} ms, "
              f"200 x createJob {singles[-1] * 1000:.0f} ms, "
              f"createJobs(filter, 100) {by_filter[-1] * 1000:.0f} ms")
    batch = await services.create_jobs(CreateJobsCommand(PRESET, asset_ids=ids))
    reads = [await timed(lambda: services.read_batch(str(batch.batch_id)))
             for _ in range(runs * 4)]
    median = statistics.median
    print(f"median: createJobs(200 ids) {median(by_ids) * 1000:.0f} ms "
          f"({median(by_ids) / BATCH * 1000:.2f} ms a job), 200 x createJob "
          f"{median(singles) * 1000:.0f} ms, createJobs(filter, 100) "
          f"{median(by_filter) * 1000:.0f} ms; batch(id) of 200 jobs "
          f"{median(reads) * 1000:.1f} ms")


async def run(url: str, rows: int, runs: int) -> None:
    assets = await seed(url, rows)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(database_url=url, data_dir=Path(data_dir), samples=False,
                                 log_level="WARNING")
        root = wire(settings)
        root.infra.queue.override(providers.Object(DroppingQueue()))
        services = services_of(root)
        try:
            await measure(services, [str(a.id) for a in assets[-BATCH:]], runs)
        finally:
            await services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server-url", default=DEFAULT_SERVER_URL)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"SQLite, {args.rows} assets and jobs")
            asyncio.run(run(f"sqlite+aiosqlite:///{tmp}/bench.sqlite3", args.rows, args.runs))
        return
    name = f"mpr_bench_batch_{uuid.uuid4().hex[:8]}"
    url = make_url(args.server_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(admin_sql(args.server_url, f'CREATE DATABASE "{name}"'))
    try:
        print(f"PostgreSQL, {args.rows} assets and jobs")
        asyncio.run(run(url, args.rows, args.runs))
    finally:
        asyncio.run(admin_sql(args.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
