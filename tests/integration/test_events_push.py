"""Job events pushed across processes: `mpr serve` x2 and `mpr worker` x2 on PostgreSQL and
Redis (Redis pub/sub), and `mpr serve` x2 on PostgreSQL alone (LISTEN/NOTIFY).

The job is created through one server; a GraphQL WebSocket subscriber on the other server
must see every change the workers write, each within PUSH_BOUND seconds of the write. What
the workers wrote is recorded by the database itself (a trigger logs every change of a
job's updated_at), not by MPR, so a lost or late event cannot hide.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect

from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.adapters.sqlalchemy.engine import make_engine
from tests.integration.db_fixtures import fresh_pg_database
from tests.integration.redis_fixtures import WorkerProcesses, redis_client, redis_url
from tests.integration.server_fixtures import MprServer, running_server
from tests.integration.worker_stack import Stack, database_url, fresh, stack, workers

__all__ = ["database_url", "fresh", "redis_client", "redis_url", "stack", "workers"]

PUSH_BOUND = 0.5  # seconds from the worker's write to the subscriber's receipt
UPDATES = ("subscription ($id: ID!) { jobUpdates(id: $id) "
           "{ id status progress updatedAt } }")
CREATE = "mutation ($a: ID!) { createJob(input: {sourceAssetId: $a}) { id } }"
AUDIT = [
    "CREATE TABLE IF NOT EXISTS job_writes (job_id uuid, status text, progress float,"
    " updated_at timestamptz)",
    "CREATE OR REPLACE FUNCTION log_job_write() RETURNS trigger AS $$ BEGIN"
    " IF TG_OP = 'INSERT' OR OLD.updated_at IS DISTINCT FROM NEW.updated_at THEN"
    " INSERT INTO job_writes VALUES (NEW.id, NEW.status, NEW.progress, NEW.updated_at);"
    " END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS job_writes ON transcode_jobs",
    "CREATE TRIGGER job_writes AFTER INSERT OR UPDATE ON transcode_jobs"
    " FOR EACH ROW EXECUTE FUNCTION log_job_write()",
]


@dataclass(frozen=True, slots=True)
class Received:
    status: str
    progress: float
    updated_at: datetime
    at: float  # time.time() when the message arrived


@pytest.fixture
def two_servers(fresh: Stack, tmp_path: Path) -> Iterator[tuple[MprServer, MprServer]]:
    env = {k: v for k, v in fresh.env.items() if k != "MPR_DATA_DIR"}
    with running_server("a", fresh.data_dir, env) as a, \
            running_server("b", fresh.data_dir, env) as b:
        yield a, b


@pytest.fixture
def pg_only_servers(ffmpeg: str, tmp_path: Path) -> Iterator[tuple[MprServer, MprServer, str]]:
    """Two embedded servers on one PostgreSQL database and one data dir, no Redis; the
    second's in-process workers could run the job too (claims decide)."""
    data_dir = tmp_path / "data"
    (data_dir / "media" / "in").mkdir(parents=True)
    asyncio.run(make_test_clip(ffmpeg, data_dir / "media" / "in" / "long.mp4", duration=6,
                               width=160, height=120))
    paced = tmp_path / "ffmpeg-paced"
    paced.write_text(f'#!/bin/sh\nexec "{ffmpeg}" -re "$@"\n')
    paced.chmod(0o755)
    with fresh_pg_database("mpr_test_events") as url:
        env = {"MPR_DATABASE_URL": url, "MPR_FFMPEG": str(paced), "MPR_SAMPLES": "false"}
        with running_server("a", data_dir, env) as a, running_server("b", data_dir, env) as b:
            yield a, b, url


async def audit_job_writes(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for statement in AUDIT:
            await connection.execute(text(statement))


async def job_writes(engine: AsyncEngine, job_id: str) -> list[tuple[str, float, datetime]]:
    async with engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT status, progress, updated_at FROM job_writes WHERE job_id = :id"
            " ORDER BY updated_at"), {"id": job_id})
        return [(r.status, r.progress, r.updated_at) for r in rows]


async def follow(server: MprServer, job_id: str, timeout: float = 60) -> list[Received]:
    """Every update of one subscription, stamped on arrival, until it completes."""
    url = server.base_url.replace("http://", "ws://") + "/graphql"
    received: list[Received] = []
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": server.token}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": UPDATES, "variables": {"id": job_id}}}))
        async with asyncio.timeout(timeout):
            while (message := json.loads(await ws.recv()))["type"] == "next":
                job: dict[str, Any] = message["payload"]["data"]["jobUpdates"]
                received.append(Received(job["status"], job["progress"],
                                         datetime.fromisoformat(job["updatedAt"]), time.time()))
    assert message["type"] == "complete", message
    return received


async def test_a_subscriber_on_the_other_server_gets_every_change_within_half_a_second(
        fresh: Stack, workers: WorkerProcesses,
        two_servers: tuple[MprServer, MprServer]) -> None:
    creator, other = two_servers
    engine = make_engine(fresh.services.settings.resolved_database_url)
    try:
        await audit_job_writes(engine)
        workers.start(MPR_FFMPEG=fresh.paced_ffmpeg)
        workers.start(MPR_FFMPEG=fresh.paced_ffmpeg)

        job_id = creator.data(CREATE, {"a": fresh.long_id})["createJob"]["id"]
        received = await follow(other, job_id)

        check_pushed(received, await job_writes(engine, job_id))
    finally:
        await engine.dispose()


async def test_without_redis_a_subscriber_on_the_other_server_gets_every_change_by_notify(
        pg_only_servers: tuple[MprServer, MprServer, str]) -> None:
    creator, other, url = pg_only_servers
    engine = make_engine(url)
    await audit_job_writes(engine)
    creator.data("mutation { scanMediaFolder { registered } }")
    [asset] = creator.data("query { assets { id } }")["assets"]

    job_id = creator.data(CREATE, {"a": asset["id"]})["createJob"]["id"]
    received = await follow(other, job_id)

    check_pushed(received, await job_writes(engine, job_id))
    await engine.dispose()


def check_pushed(received: list[Received], writes: list[tuple[str, float, datetime]]) -> None:
    """Every write after the subscription began arrived, exactly, within PUSH_BOUND."""
    after_subscribing = [w for w in writes if w[2] > received[0].updated_at]
    delays = [delay(received, write) for write in after_subscribing]
    print("delays after the write (s):", delays)  # shown with -s, for the record
    assert all(d <= PUSH_BOUND for d in delays), list(zip(after_subscribing, delays, strict=True))
    assert received[-1].status == "completed"
    assert {"processing", "completed"} <= {w[0] for w in after_subscribing}
    assert len([w for w in after_subscribing if w[0] == "processing"]) >= 5  # progress writes
    shown = {(r.status, r.progress, r.updated_at) for r in received}
    assert [w for w in after_subscribing if (w[0], round(w[1], 2), w[2]) not in shown] == []


def delay(received: list[Received], write: tuple[str, float, datetime]) -> float:
    """Seconds from a write to the first update showing it (or a later state)."""
    status, progress, written = write
    seen = next((r for r in received if r.updated_at >= written), None)
    assert seen is not None, f"write {status} {progress} at {written} never arrived"
    return round(seen.at - written.timestamp(), 3)
