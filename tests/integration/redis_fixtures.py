"""Redis and `mpr worker` fixtures: a Redis database of the tests' own, real worker processes.

Redis is reached at MPR_TEST_REDIS_URL (default redis://127.0.0.1:6379/11, and databases 13,
14, 15 for the second to fourth pytest-xdist worker); the database is flushed before each test
that uses it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import redis
from redis.connection import parse_url

from tests.integration.services import require_port

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
WORKER_DATABASES = (11, 13, 14, 15)  # one per pytest-xdist worker (12 is the benchmarks')


def redis_url_from_env() -> str:
    """MPR_TEST_REDIS_URL, or a database of this pytest worker's own on the local Redis."""
    if os.environ.get("MPR_TEST_REDIS_URL"):
        return os.environ["MPR_TEST_REDIS_URL"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # gw0, gw1, ...
    index = int(worker.removeprefix("gw")) if worker.removeprefix("gw").isdigit() else 0
    if index >= len(WORKER_DATABASES):
        raise RuntimeError(f"at most {len(WORKER_DATABASES)} pytest workers share Redis")
    return DEFAULT_REDIS_URL.rsplit("/", 1)[0] + f"/{WORKER_DATABASES[index]}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The tests' Redis database URL; fails clearly when Redis does not answer."""
    url = redis_url_from_env()
    where = parse_url(url)
    require_port("Redis", str(where.get("host", "127.0.0.1")), int(where.get("port", 6379)),
                 "start redis-server or set MPR_TEST_REDIS_URL")
    return url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on the tests' Redis database, flushed before the test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


class WorkerProcesses:
    """`mpr worker` subprocesses started by a test; all stopped when the test ends."""

    def __init__(self, env: Mapping[str, str], log_dir: Path) -> None:
        self._env, self._log_dir = dict(env), log_dir
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, threads: int = 1, **env: str) -> subprocess.Popen[bytes]:
        """Start one worker process with the shared settings (and per-worker overrides)."""
        log = (self._log_dir / f"worker-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "mpr.entrypoints.cli", "worker", "--threads", str(threads)],
            env={**os.environ, **self._env, **env}, stdout=log, stderr=subprocess.STDOUT)
        self.started.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self._log_dir.iterdir()))

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
