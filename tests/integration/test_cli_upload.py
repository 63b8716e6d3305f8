"""`mpr upload` against a running server: progress, a job per preset, and an interrupted
upload resumed by running the command again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer, running_server
from tests.integration.tus_helpers import asset, sha256_of, staged_files, stored_sha256


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    with running_server("cli-upload", tmp_path_factory.mktemp("cli-up"),
                        {"MPR_SAMPLES": "false"}) as running:
        yield running


def mpr_upload(server: MprServer, state: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPR_")}
    env.update(XDG_STATE_HOME=str(state), MPR_TOKEN=server.token)
    return subprocess.Popen([sys.executable, "-m", "mpr.entrypoints.cli", "upload",
                             "--url", server.base_url, *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_mpr_upload_registers_files_and_starts_a_job_per_preset(server: MprServer,
                                                                 tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "one clip.mp4", duration=2)
    song = make_clip(tmp_path / "song.mp3", duration=2, video=False)

    run = mpr_upload(server, tmp_path / "state", str(clip), str(song), "--preset", "aac-audio")
    out, err = run.communicate(timeout=120)

    assert run.returncode == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert "100.0%" in err
    clip_asset, clip_job = lines[0].split("asset ")[1].split(", jobs ")
    assert asset(server, clip_asset)["filename"] == "one clip.mp4"
    server.wait_for_job(clip_job)


def test_mpr_upload_refuses_clearly_without_a_token(server: MprServer, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "c.mp4", duration=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPR_")}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")

    run = subprocess.run([sys.executable, "-m", "mpr.entrypoints.cli", "upload", "--url",
                          server.base_url, str(clip)], env=env, capture_output=True, text=True,
                         timeout=60, check=False)

    assert run.returncode == 1
    assert "HTTP 401" in run.stderr


def write_wav(path: Path, seconds: int) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(48000)
        for _ in range(seconds):
            out.writeframes(os.urandom(48000 * 4))
    return path


def test_an_interrupted_mpr_upload_resumes_when_run_again(server: MprServer,
                                                          tmp_path: Path) -> None:
    source = write_wav(tmp_path / "long.wav", 200)  # 38 MB
    state = tmp_path / "state"
    first = mpr_upload(server, state, str(source), "--limit-rate", "8000000")
    deadline = time.monotonic() + 30
    while not any(p.suffix == ".part" and p.stat().st_size > 4_000_000
                  for p in staged_files(server)):
        assert time.monotonic() < deadline, "the first run sent nothing"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)

    second = mpr_upload(server, state, str(source))
    out, err = second.communicate(timeout=120)

    assert second.returncode == 0, err
    assert "resuming at " in err
    resumed_at = int(err.split("resuming at ")[1].split()[0])
    assert 4_000_000 < resumed_at < source.stat().st_size
    found = asset(server, out.split("asset ")[1].split()[0])
    assert found["status"] == "ready"
    assert stored_sha256(server, found["filePath"]) == sha256_of(source)
