"""How the list queries and progress writes use PostgreSQL, checked without timing anything.

On 10,000 jobs and 10,000 assets, the exact SQL each repository list runs is EXPLAINed: a page
must come from its index in the page's order (no sequential scan, no sort). Progress writes
are one short UPDATE, and reads never wait for a writer's row lock (MVCC).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from mpr.adapters.sqlalchemy import mapping
from mpr.adapters.sqlalchemy.engine import make_engine, make_session_factory
from mpr.adapters.sqlalchemy.migrate import upgrade
from mpr.adapters.sqlalchemy.models import AssetRow, Base, JobRow
from mpr.adapters.sqlalchemy.uow import SqlUnitOfWork
from mpr.application.job_reporting import DatabaseJobReporter
from mpr.domain.asset import AssetStatus
from mpr.domain.job import JobStatus, Progress
from mpr.domain.ports import Page, UnitOfWork
from tests.factories import NOW, make_asset, make_job
from tests.integration.db_fixtures import create_database, drop_database
from tests.unit.fakes import FakeClock

ROWS = 10_000


def job_status(n: int) -> JobStatus:
    """A realistic mix: most jobs completed, 5% each pending, processing, failed, cancelled."""
    mix = {0: JobStatus.PENDING, 1: JobStatus.PROCESSING, 2: JobStatus.FAILED,
           3: JobStatus.CANCELLED}
    return mix.get(n % 20, JobStatus.COMPLETED)


def asset_status(n: int) -> AssetStatus:
    return AssetStatus.ERROR if n % 50 == 0 else AssetStatus.READY


@dataclass
class Seeded:
    engine: AsyncEngine
    job_ids: list[Any]

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(make_session_factory(self.engine))


@pytest.fixture(scope="module")
async def seeded(pg_server_url: str) -> AsyncIterator[Seeded]:
    """A database of its own with 10,000 assets and 10,000 jobs, analysed."""
    url = await create_database(pg_server_url, prefix="mpr_test_plans")
    await upgrade(url)
    engine = make_engine(url)
    assets = [make_asset(id=SOURCE if n == 7 else uuid.uuid4(), status=asset_status(n),
                         created_at=NOW + timedelta(seconds=n)) for n in range(ROWS)]
    jobs = [make_job(assets[n if n % 25 else 7].id, status=job_status(n),
                     created_at=NOW + timedelta(seconds=n)) for n in range(ROWS)]
    async with engine.begin() as conn:
        await conn.execute(insert(AssetRow), [_columns(mapping.asset_to_row(a)) for a in assets])
        await conn.execute(insert(JobRow),
                           [_columns(mapping.job_to_row(j)) | {"version": 1} for j in jobs])
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    yield Seeded(engine, [j.id for j in jobs])
    await engine.dispose()
    await drop_database(pg_server_url, url)


def _columns(row: Base) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


@pytest.fixture
def statements(seeded: Seeded) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement (and its parameters) the engine runs during the test."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(seeded.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(seeded.engine.sync_engine, "before_cursor_execute", record)


async def plan_of(seeded: Seeded, statements: list[tuple[str, Any]],
                  query: Callable[[UnitOfWork], Awaitable[object]]) -> list[dict[str, Any]]:
    """The plan nodes of the one SELECT a repository call runs."""
    async with seeded.uow() as uow:
        await query(uow)
    selects = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, selects
    statement, parameters = selects[0]
    async with seeded.engine.connect() as conn:
        raw = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        return list(_nodes(raw.scalar_one()[0]["Plan"]))


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def assert_page_from_index(nodes: list[dict[str, Any]], indexes: tuple[str, ...]) -> None:
    """A Limit over an ordered index scan: no sequential scan, no sort of the matches."""
    summary = [(n["Node Type"], n.get("Index Name")) for n in nodes]
    assert nodes[0]["Node Type"] == "Limit", summary
    assert any(n.get("Index Name") in indexes for n in nodes), summary
    assert not any(n["Node Type"] == "Seq Scan" or "Sort" in n["Node Type"] for n in nodes), \
        summary


PAGE = Page(limit=50)
SOURCE = uuid.UUID(int=7)  # the source of a few hundred of the seeded jobs
DEEP = Page(limit=50, offset=5_000)
JOBS_BY_STATUS = ("ix_transcode_jobs_status_created",)
JOBS_BY_TIME = ("ix_transcode_jobs_created",)
ASSETS_BY_TIME = ("ix_media_assets_created",)
LIST_PLANS = {
    "jobs, a rare status": (lambda u: u.jobs.list(PAGE, status=JobStatus.PENDING),
                            JOBS_BY_STATUS),
    # most rows match: walking the time index and skipping the others is as good
    "jobs, a common status": (lambda u: u.jobs.list(PAGE, status=JobStatus.COMPLETED),
                              JOBS_BY_STATUS + JOBS_BY_TIME),
    "all jobs": (lambda u: u.jobs.list(PAGE), JOBS_BY_TIME),
    "all jobs, deep page": (lambda u: u.jobs.list(DEEP), JOBS_BY_TIME),
    "jobs of one asset": (lambda u: u.jobs.list(PAGE, source_asset_id=SOURCE),
                          ("ix_transcode_jobs_source_created",)),
    "the job of an output asset": (lambda u: u.jobs.list(PAGE, output_asset_id=SOURCE),
                                   ("ix_transcode_jobs_output_asset",)),
    "all assets": (lambda u: u.assets.list(PAGE), ASSETS_BY_TIME),
    "all assets, deep page": (lambda u: u.assets.list(DEEP), ASSETS_BY_TIME),
    "assets, a rare status": (lambda u: u.assets.list(PAGE, status=AssetStatus.ERROR),
                              ("ix_media_assets_status_created",)),
}


@pytest.mark.parametrize("name", LIST_PLANS)
async def test_a_list_page_is_read_from_its_index_in_order(
        seeded: Seeded, statements: list[tuple[str, Any]], name: str) -> None:
    query, index = LIST_PLANS[name]

    nodes = await plan_of(seeded, statements, query)

    assert_page_from_index(nodes, index)


async def test_a_progress_write_is_one_update_of_one_row(
        seeded: Seeded, statements: list[tuple[str, Any]]) -> None:
    job_id = seeded.job_ids[1]  # processing
    reporter = DatabaseJobReporter(seeded.uow, FakeClock())

    await reporter.progress(job_id, Progress(percent=42.0, current_time=4.2, speed=1.5))

    verbs = [s.split()[0].upper() for s, _ in statements]
    assert verbs == ["SELECT", "UPDATE"], statements
    assert "WHERE transcode_jobs.id = " in statements[1][0]
    async with seeded.uow() as uow:
        assert (await uow.jobs.get(job_id)).progress == 42.0


async def test_reads_do_not_wait_for_a_writer_holding_a_jobs_row_lock(seeded: Seeded) -> None:
    job_id = seeded.job_ids[1]
    async with seeded.engine.connect() as writer:
        await writer.execute(text("UPDATE transcode_jobs SET progress = 99 WHERE id = :id"),
                             {"id": job_id})  # uncommitted: the row stays locked

        async def read() -> tuple[float, int]:
            async with seeded.uow() as uow:
                job = await uow.jobs.get(job_id)
                page = await uow.jobs.list(Page(limit=500), status=JobStatus.PROCESSING)
                return job.progress, len(page)

        progress, listed = await asyncio.wait_for(read(), timeout=10)
        await writer.rollback()

    assert progress != 99
    assert listed == 500


async def test_a_batchs_jobs_are_read_from_the_batch_index_in_order(
        seeded: Seeded, statements: list[tuple[str, Any]]) -> None:
    nodes = await plan_of(seeded, statements, lambda u: u.jobs.in_batch(uuid.uuid4()))

    summary = [(n["Node Type"], n.get("Index Name")) for n in nodes]
    assert any(n.get("Index Name") == "ix_transcode_jobs_batch" for n in nodes), summary
    assert not any(n["Node Type"] == "Seq Scan" or "Sort" in n["Node Type"] for n in nodes), \
        summary
