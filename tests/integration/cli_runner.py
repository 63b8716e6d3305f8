"""The `mpr` CLI as a real subprocess on a data dir's database (its SQLite file)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MPR = [sys.executable, "-m", "mpr.entrypoints.cli"]


def mpr(*args: str, data_dir: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MPR_")}
    environ.update(MPR_DATA_DIR=str(data_dir), MPR_SAMPLES="false")
    return subprocess.run([*MPR, *args], env=environ, input=stdin, capture_output=True,
                          text=True, timeout=60, check=False)
