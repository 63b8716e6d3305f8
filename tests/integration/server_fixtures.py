"""A real `mpr serve` subprocess for end-to-end tests, once per backend per test module.

`mpr_server` is parametrised by SERVER_BACKENDS: the same test runs against a server on
SQLite and one on a fresh PostgreSQL database. To add a backend (e.g. S3 storage), append a
ServerBackend with its environment, and name in `env_fixture` a session fixture that starts
or reaches the service and returns more environment (e.g. MPR_S3_ENDPOINT_URL):

    ServerBackend("s3", env={"MPR_STORAGE": "s3"}, env_fixture="s3_server_env")

A test module changes the server's settings by overriding the module fixture `server_env`.
Tests put and fetch media with `put_input` / `output_file`, the one place that knows the store.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.db_fixtures import fresh_pg_database
from tests.integration.s3_fixtures import BucketPair

__all__ = ["mpr_server", "server_env"]

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# Settings passed through from the environment running the tests; other MPR_* are dropped.
PASSED_THROUGH = ("MPR_FFMPEG", "MPR_FFPROBE")
ADMIN_TOKEN_NAME = "e2e-admin"


@dataclass(frozen=True, slots=True)
class ServerBackend:
    """One way to run the server: which database, plus extra environment."""

    name: str
    database: str = "sqlite"  # "sqlite" (a file in the data dir) or "postgresql" (fresh db)
    env: Mapping[str, str] = field(default_factory=dict)
    env_fixture: str | None = None  # a session fixture returning more env for this backend


SERVER_BACKENDS = (ServerBackend("sqlite"), ServerBackend("postgresql", database="postgresql"),
                   ServerBackend("s3", env={"MPR_STORAGE": "s3"}, env_fixture="s3_server_env"))


JOB_QUERY = """
query ($id: ID!) {
  job(id: $id) {
    id status progress errorMessage outputPath outputFilename outputAssetId
    trimStart trimEnd attempts updatedAt
  }
}
"""


class GraphQLFailed(AssertionError):
    """A GraphQL document answered with errors where data was expected."""


@dataclass
class MprServer:
    """A running `mpr serve` and the means to talk to it."""

    backend: str
    base_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    client: httpx.Client  # sends the admin token made before start (ADMIN_TOKEN_NAME-...)
    buckets: BucketPair | None = None  # set when the server stores media in S3
    token: str = ""  # that admin token

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def media_in(self) -> Path:
        return self.data_dir / "media" / "in"

    @property
    def media_out(self) -> Path:
        return self.data_dir / "media" / "out"

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST a document to /graphql; the whole response body (data and errors)."""
        response = self.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, f"HTTP {response.status_code}: {response.text}"
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data of a document that must succeed."""
        body = self.graphql(query, variables)
        if body.get("errors"):
            raise GraphQLFailed(f"{query.strip()!r} failed: {body['errors']}")
        result: dict[str, Any] = body["data"]
        return result

    def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The single error of a document that must fail (and return no data)."""
        body = self.graphql(query, variables)
        errors = body.get("errors") or []
        assert len(errors) == 1, f"expected one error from {query.strip()!r}, got {body}"
        assert not any((body.get("data") or {}).values()), f"error with data: {body}"
        error: dict[str, Any] = errors[0]
        return error

    def job(self, job_id: str) -> dict[str, Any]:
        """A job's fields as the API reports them."""
        job: dict[str, Any] = self.data(JOB_QUERY, {"id": job_id})["job"]
        return job

    def wait_for_job(self, job_id: str, status: str = "completed", timeout: float = 60,
                     min_progress: float | None = None) -> dict[str, Any]:
        """Poll job(id) until it has the status (and progress); fail on another ending."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            reached = job["status"] == status and (min_progress is None
                                                   or job["progress"] > min_progress)
            if reached:
                return job
            ended = job["status"] not in ("pending", "processing")
            if ended or time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} did not become {status} in {timeout} s: "
                                     f"{job}\nserver log:\n{self.log_tail()}")
            time.sleep(0.1)

    def preset_ids(self) -> dict[str, str]:
        """Preset ids by name."""
        return {p["name"]: p["id"] for p in self.data("query { presets { id name } }")["presets"]}

    def put_input(self, key: str, local: Path) -> None:
        """Place a local file in the input store under a key (S3: also mirrored locally)."""
        if self.buckets:
            self.buckets.put_input(key, local)
        target = self.media_in / key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, target)

    def input_bytes(self, key: str) -> bytes | None:
        """The bytes under a key in the input store itself (S3: the bucket), None if absent."""
        if self.buckets:
            return self.buckets.input_bytes(key)
        path = self.media_in / key
        return path.read_bytes() if path.is_file() else None

    def output_file(self, key: str) -> Path:
        """A local path holding the output object under a key (S3: a fresh download)."""
        if self.buckets:
            return self.buckets.fetch_output(key, self.media_out / key)
        return self.media_out / key

    def output_files(self) -> list[Path]:
        """Every file in the output store, staging area included."""
        if self.buckets:
            staging = [p for p in (self.data_dir / "s3-staging").rglob("*") if p.is_file()]
            return sorted([*map(self.output_file, self.buckets.output_keys()), *staging])
        return sorted(p for p in self.media_out.rglob("*") if p.is_file())

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text("utf-8", "replace").splitlines()
        return "\n".join(text[-lines:])


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """Extra MPR_* settings for this module's server; override in a test module."""
    return {}


@pytest.fixture(scope="module", params=SERVER_BACKENDS, ids=lambda b: b.name)
def mpr_server(request: pytest.FixtureRequest, server_env: dict[str, str],
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    """A real `mpr serve` on a free port with a fresh data dir and database."""
    backend: ServerBackend = request.param
    env = {"MPR_SAMPLES": "false", **backend.env, **server_env}
    if backend.env_fixture:
        env.update(request.getfixturevalue(backend.env_fixture))
    with contextlib.ExitStack() as stack:
        if backend.database == "postgresql":
            env["MPR_DATABASE_URL"] = stack.enter_context(fresh_pg_database("mpr_e2e"))
        data_dir = tmp_path_factory.mktemp(f"mpr-{backend.name}")
        yield stack.enter_context(running_server(backend.name, data_dir, env))


@contextlib.contextmanager
def running_server(name: str, data_dir: Path, settings: Mapping[str, str],
                   args: Sequence[str] = (), port: int | None = None) -> Iterator[MprServer]:
    """Start `mpr serve` (on a free port unless given; with more arguments, e.g. --workers 2),
    wait until /ready answers 200, stop it (TERM, then KILL) after."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MPR_") or k in PASSED_THROUGH}
    # Tests register what they put in the store with a scan: no watcher unless asked for.
    env.update({"MPR_DATA_DIR": str(data_dir), "MPR_LOG_LEVEL": "INFO", "MPR_WATCH": "false",
                **settings})
    log_path = data_dir.parent / f"{data_dir.name}-{name}-server.log"  # two may share a dir
    token = admin_token(env)
    argv = [sys.executable, "-m", "mpr.entrypoints.cli", "serve", "--host", "127.0.0.1",
            "--port", str(port), *args]
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, timeout=30, headers=auth) as client:
        server = MprServer(name, base_url, data_dir, process, log_path, client,
                           BucketPair.from_env(settings), token)
        try:
            _wait_ready(server)
            yield server
        finally:
            _stop(server)


def admin_token(env: Mapping[str, str]) -> str:
    """An admin API token made with `mpr token create` (it prints the token last)."""
    name = f"{ADMIN_TOKEN_NAME}-{uuid.uuid4().hex[:8]}"  # a data dir may be served twice
    argv = [sys.executable, "-m", "mpr.entrypoints.cli", "token", "create", "--name", name,
            "--role", "admin"]
    made = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert made.returncode == 0, f"mpr token create failed: {made.stderr}"
    return made.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ready(server: MprServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"`mpr serve` ({server.backend}) exited with code "
                        f"{server.process.returncode}:\n{server.log_tail()}", pytrace=False)
        with contextlib.suppress(httpx.TransportError):
            if server.client.get("/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"`mpr serve` ({server.backend}) was not ready within {START_TIMEOUT:.0f} s:\n"
                f"{server.log_tail()}", pytrace=False)


def _stop(server: MprServer) -> None:
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # ffmpeg runs in its own session; never leave one of this server's encodes behind.
    for pid in ffmpeg_pids(str(server.data_dir)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def parent_of(pid: int) -> int | None:
    """The parent process id, or None when the process is gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def ffmpeg_pids(marker: str, parent: int | None = None) -> list[int]:
    """Live ffmpeg processes whose command line mentions marker (or whose parent is given)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        state, ppid = stat[0], int(stat[1])
        is_ffmpeg = os.path.basename(argv[0]).startswith(b"ffmpeg")
        mentions = marker.encode() in b" ".join(argv)
        if is_ffmpeg and state != "Z" and (mentions or ppid == parent):
            found.append(int(entry.name))
    return found
