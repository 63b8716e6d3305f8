"""A real `mpr serve` on PostgreSQL survives the database dropping and refusing connections.

An admin connection (outside the app) terminates the app's backends or closes the database
to new connections; the app must answer with a clear DATABASE_UNAVAILABLE error, say so on
/ready, and recover by itself once the database answers again, leaving no job half-done.
"""

from __future__ import annotations

import asyncio
import contextlib
import stat
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.integration.db_fixtures import fresh_pg_database
from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer, running_server

JOBS = "query { jobs(limit: 5) { id status } }"
TERMINATE = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
             "WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> $2")
WAITING = ("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
           "WHERE d.datname = $1 AND NOT l.granted")
LEGAL_ENDS = {"completed", "failed"}


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module's server."""
    with fresh_pg_database("mpr_resilience") as url:
        yield url


@pytest.fixture(scope="module")
def realtime_ffmpeg(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The real ffmpeg reading its input at native speed, so a 4 s clip encodes in ~4 s."""
    wrapper = tmp_path_factory.mktemp("bin") / "ffmpeg-realtime"
    wrapper.write_text(f'#!/bin/sh\nexec "{ffmpeg}" -re "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper)


@pytest.fixture(scope="module")
def server(pg_url: str, realtime_ffmpeg: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    data_dir = tmp_path_factory.mktemp("mpr-resilience")
    env = {"MPR_DATABASE_URL": pg_url, "MPR_SAMPLES": "false", "MPR_FFMPEG": realtime_ffmpeg}
    with running_server("postgresql", data_dir, env) as running:
        yield running


def dsn(url: str, database: str | None = None) -> str:
    """The asyncpg form of a SQLAlchemy URL, optionally on another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
async def admin(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection beside the app's database; it always reopens it at the end."""
    connection = await asyncpg.connect(dsn(pg_url, "postgres"))
    yield connection
    await connection.execute(
        f'ALTER DATABASE "{make_url(pg_url).database}" ALLOW_CONNECTIONS true')
    await connection.close()


@pytest.fixture
async def locker(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside the app's database, to hold locks the app must wait for."""
    connection = await asyncpg.connect(dsn(pg_url))
    yield connection
    await connection.close()


@pytest.fixture
async def client(server: MprServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30,
                                 headers={"Authorization": f"Bearer {server.token}"}) as c:
        yield c


async def graphql(client: httpx.AsyncClient, query: str,
                  variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


async def kill_app_connections(admin: asyncpg.Connection, database: str,
                               spare: int = 0) -> int:
    """Terminate every backend of the database but the one with pid `spare`."""
    return int(await admin.fetchval(TERMINATE, database, spare))


@contextlib.asynccontextmanager
async def database_down(admin: asyncpg.Connection, database: str) -> AsyncIterator[None]:
    """The database refuses new connections and has none open, until the block ends."""
    await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    await kill_app_connections(admin, database)
    try:
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')


async def eventually(client: httpx.AsyncClient, path: str, status: int,
                     timeout: float = 15.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(path)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.2)


async def test_queries_work_again_after_the_apps_connections_are_killed(
        server: MprServer, client: httpx.AsyncClient, admin: asyncpg.Connection,
        pg_url: str) -> None:
    assert error_codes(await graphql(client, JOBS)) == []
    await asyncio.gather(*(graphql(client, JOBS) for _ in range(8)))  # several pooled

    killed = await kill_app_connections(admin, str(make_url(pg_url).database))
    bodies = [await graphql(client, JOBS) for _ in range(5)]

    assert killed >= 1
    assert all(error_codes(b) in ([], ["DATABASE_UNAVAILABLE"]) for b in bodies), bodies
    assert error_codes(bodies[-1]) == []


async def test_a_request_in_flight_when_its_connection_dies_fails_clearly(
        server: MprServer, client: httpx.AsyncClient, admin: asyncpg.Connection,
        locker: asyncpg.Connection, pg_url: str) -> None:
    database = str(make_url(pg_url).database)
    async with locker.transaction():
        await locker.execute("LOCK TABLE transcode_jobs IN ACCESS EXCLUSIVE MODE")
        in_flight = asyncio.create_task(graphql(client, JOBS))
        await wait_until_blocked(admin, database)
        await kill_app_connections(admin, database, spare=locker.get_server_pid())
        body = await asyncio.wait_for(in_flight, 10)

    assert error_codes(body) == ["DATABASE_UNAVAILABLE"]
    message = body["errors"][0]["message"]
    assert message.startswith("database unavailable")
    assert "Traceback" not in message
    assert error_codes(await graphql(client, JOBS)) == []


async def wait_until_blocked(admin: asyncpg.Connection, database: str) -> None:
    """Until one of the app's backends waits for a lock in the database."""
    for _ in range(200):
        if await admin.fetchval(WAITING, database):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the app's query never reached the database")


async def test_ready_names_the_database_while_it_is_down_and_recovers_by_itself(
        server: MprServer, client: httpx.AsyncClient, admin: asyncpg.Connection,
        pg_url: str) -> None:
    database = str(make_url(pg_url).database)

    async with database_down(admin, database):
        down = await eventually(client, "/ready", 503)
        query = await graphql(client, JOBS)
    back = await eventually(client, "/ready", 200)

    assert down.status_code == 503
    component = down.json()["components"]["database"]
    assert component["ok"] is False
    assert database in component["detail"]
    assert "unavailable" in component["detail"]
    assert error_codes(query) == ["DATABASE_UNAVAILABLE"]
    assert back.status_code == 200, back.text
    assert error_codes(await graphql(client, JOBS)) == []


@pytest.mark.parametrize(("from_progress", "outage"), [(0.1, 2.0), (60.0, 4.0)],
                         ids=["progress-writes-fail", "outcome-write-fails"])
async def test_a_job_running_through_a_database_outage_ends_completed_or_failed(
        server: MprServer, client: httpx.AsyncClient, admin: asyncpg.Connection,
        pg_url: str, tmp_path: Path, from_progress: float, outage: float) -> None:
    job = await started_job(server, client, tmp_path, from_progress)

    async with database_down(admin, str(make_url(pg_url).database)):
        await asyncio.sleep(outage)  # the 5 s encode goes on (and may end) meanwhile
    final = await finished(client, job["id"])

    assert final["status"] in LEGAL_ENDS, final
    if final["status"] == "completed":
        assert final["outputAssetId"], final
        assert (server.media_out / final["outputPath"]).is_file()
        output = await graphql(client, 'query($id: ID!) { asset(id: $id) { status } }',
                               {"id": final["outputAssetId"]})
        assert output["data"]["asset"]["status"] == "ready"
    else:
        assert final["errorMessage"], final
        assert not (server.media_out / final["outputPath"]).exists()
    assert not [p for p in server.output_files()  # staging areas are named for their job
                if any(part.startswith(job["id"]) for part in p.parts)]


async def started_job(server: MprServer, client: httpx.AsyncClient, tmp_path: Path,
                      from_progress: float) -> dict[str, Any]:
    """A job of a 5 s clip, once it is processing and has reported that much progress."""
    server.put_input(f"outage-{tmp_path.name}.mp4",
                     make_clip(tmp_path / "clip.mp4", duration=5, width=320, height=240))
    await graphql(client, "mutation { scanMediaFolder { registered } }")
    assets = await graphql(client, 'query { assets(status: "ready", location: "input") '
                                   "{ id filename } }")
    source = next(a for a in assets["data"]["assets"] if a["filename"].startswith("outage-"))
    presets = await graphql(client, "query { presets { id name } }")
    preset = next(p for p in presets["data"]["presets"] if p["name"] == "h264-480p")
    created = await graphql(client, 'mutation($a: ID!, $p: ID!) { createJob(input: '
                                    "{sourceAssetId: $a, presetId: $p}) { id } }",
                            {"a": source["id"], "p": preset["id"]})
    job_id = created["data"]["createJob"]["id"]
    for _ in range(200):
        job = await job_state(client, job_id)
        if job["status"] == "processing" and job["progress"] >= from_progress:
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job never reported progress: {job}")


async def job_state(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    body = await graphql(client, 'query($id: ID!) { job(id: $id) { id status progress '
                                 "errorMessage outputAssetId outputPath } }", {"id": job_id})
    job: dict[str, Any] = body["data"]["job"]
    return job


async def finished(client: httpx.AsyncClient, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = await job_state(client, job_id)
        if job["status"] not in ("pending", "processing") or time.monotonic() > deadline:
            return job
        await asyncio.sleep(0.2)
