"""The `mpr` console script, run as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from mpr import __version__
from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from tests.integration.redis_fixtures import redis_url  # noqa: F401 - fixture
from tests.integration.server_fixtures import free_port

MPR = [sys.executable, "-m", "mpr.entrypoints.cli"]


def run_mpr(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MPR_")}
    environ = {**inherited, "MPR_DATA_DIR": str(data_dir), "MPR_SAMPLES": "false", **env}
    return subprocess.run([*MPR, *args], env=environ, capture_output=True, text=True,
                          timeout=120, check=False)


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    result = run_mpr("version", data_dir=tmp_path)

    assert result.returncode == 0
    assert result.stdout.strip() == f"mpr {__version__}"


def test_a_bad_setting_stops_the_command_naming_the_setting(tmp_path: Path) -> None:
    result = run_mpr("serve", data_dir=tmp_path, MPR_PORT="eighty")

    assert result.returncode == 2
    assert "MPR_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = run_mpr("db", "upgrade", data_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mpr.sqlite3").stat().st_size > 0


async def test_scan_registers_media_and_reports_counts(tmp_path: Path, ffmpeg: str) -> None:
    media_in = tmp_path / "media" / "in" / "sub dir"
    media_in.mkdir(parents=True)
    await make_test_clip(ffmpeg, media_in / "-clip é.mp4", duration=1.0)
    (media_in / "readme.txt").write_text("not media")
    (media_in / "broken.mp4").write_bytes(b"\x00" * 100)

    first = run_mpr("scan", data_dir=tmp_path)
    second = run_mpr("scan", data_dir=tmp_path)

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == "found 2, registered 2, skipped 0"
    assert second.stdout.strip().splitlines()[-1] == "found 2, registered 0, skipped 2"


def test_several_api_processes_are_refused_in_the_embedded_mode(tmp_path: Path) -> None:
    result = run_mpr("serve", "--workers", "2", data_dir=tmp_path)

    assert result.returncode == 2
    assert "MPR_REDIS_URL" in result.stderr


def test_several_api_processes_serve_one_port_with_dramatiq_workers(tmp_path: Path,
                                                                   redis_url: str,  # noqa: F811
                                                                   ) -> None:
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MPR_")}
    env = {**inherited, "MPR_DATA_DIR": str(tmp_path), "MPR_SAMPLES": "false",
           "MPR_REDIS_URL": redis_url, "MPR_PORT": str(port)}
    made = subprocess.run([*MPR, "token", "create", "--name", "cli", "--role", "viewer"],
                          env=env, capture_output=True, text=True, timeout=60, check=True)
    token = made.stdout.strip().splitlines()[-1]
    server = subprocess.Popen([*MPR, "serve", "--workers", "2"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        presets = wait_for_presets(f"http://127.0.0.1:{port}", token)
        children = [p for p in Path("/proc").iterdir() if p.name.isdigit()
                    and _parent_of(p) == server.pid]
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert len(presets) == len(BUILTIN_PRESETS)
    assert len(children) >= 2



def wait_for_presets(base: str, token: str, timeout: float = 60) -> list[object]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.post(f"{base}/graphql", json={"query": "{ presets { name } }"},
                                  headers={"Authorization": f"Bearer {token}"})
            return list(response.json()["data"]["presets"])
        except (httpx.HTTPError, KeyError, TypeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _parent_of(proc: Path) -> int:
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1
    return int(fields[1])
