"""The `mpr` console script, run as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mpr import __version__
from mpr.adapters.ffmpeg.samples import make_test_clip

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
