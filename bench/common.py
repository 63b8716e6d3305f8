"""Shared by the benchmarks: a real `mpr serve` subprocess and /proc process timings."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx


def cpu_times(pid: int) -> tuple[float, float]:
    """(own, reaped children) CPU seconds of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    tick = os.sysconf("SC_CLK_TCK")
    return (utime + stime) / tick, (cutime + cstime) / tick


def admin_token(env: dict[str, str]) -> str:
    """An admin API token for the benchmark's requests, made with `mpr token create`."""
    argv = [sys.executable, "-m", "mpr.entrypoints.cli", "token", "create", "--name",
            f"bench-{os.getpid()}", "--role", "admin"]
    made = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    return made.stdout.strip().splitlines()[-1]


class Server:
    """A running `mpr serve` with a GraphQL client (sending an admin token)."""

    def __init__(self, client: httpx.Client, data_dir: Path, pid: int) -> None:
        self.client, self.data_dir, self.pid = client, data_dir, pid

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.client.post("/graphql", json={"query": query, "variables": variables}).json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL error: {body['errors']}")
        data: dict[str, Any] = body["data"]
        return data


@contextlib.contextmanager
def mpr_server(data_dir: Path) -> Iterator[Server]:
    """`mpr serve` on the embedded default with one worker, stopped at the end."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MPR_DATA_DIR": str(data_dir), "MPR_SAMPLES": "false",
           "MPR_WATCH": "false", "MPR_WORKER_CONCURRENCY": "1", "MPR_LOG_LEVEL": "WARNING"}
    for name in ("MPR_DATABASE_URL", "MPR_REDIS_URL", "MPR_STORAGE", "MPR_EXECUTOR"):
        env.pop(name, None)
    argv = [sys.executable, "-m", "mpr.entrypoints.cli", "serve", "--host", "127.0.0.1",
            "--port", str(port)]
    token = admin_token(env)
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            _wait_ready(client, process)
            yield Server(client, data_dir, process.pid)
    finally:
        process.terminate()
        process.wait(30)


def _wait_ready(client: httpx.Client, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"mpr serve exited with code {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if client.get("/ready").status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit("mpr serve was not ready within 30 s")


class FfmpegWatch:
    """Times the ffmpeg process of one job from outside: its start (from /proc) and its exit."""

    def __init__(self, job_id: str) -> None:
        self._marker = job_id.encode()
        self.pid: int | None = None
        self.started = self.ended = 0.0

    def look(self) -> None:
        """Find the job's ffmpeg, or notice that it has exited."""
        if self.pid is None:
            self.pid = self._find()
            if self.pid is not None:
                self.started = _start_time(self.pid)
        elif not self.ended and not _alive(self.pid):
            self.ended = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return self.ended - self.started if self.pid and self.ended else float("nan")

    def _find(self) -> int | None:
        for entry in Path("/proc").iterdir():
            with contextlib.suppress(OSError):
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                is_ffmpeg = os.path.basename(argv[0]).startswith(b"ffmpeg")
                if is_ffmpeg and self._marker in b" ".join(argv):
                    return int(entry.name)
        return None


def _start_time(pid: int) -> float:
    """A process's start on the perf_counter clock (10 ms resolution)."""
    ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    since_start = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    return time.perf_counter() - since_start


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def admin_sql(server_url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE) on a PostgreSQL server."""
    from sqlalchemy import text

    from mpr.adapters.sqlalchemy.engine import make_engine

    engine = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()
