"""`mpr upload FILE... [--preset NAME] [--url URL] [--token TOKEN]`: send files over tus,
with progress; an interrupted upload resumes when the command runs again (its URL is kept in
a state file keyed by the file's path, size and modification time)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from mpr.entrypoints.tus_client import Finished, TusUploader, UploadFailed
from mpr.settings import Settings


def add_command(sub: Any) -> None:
    upload = sub.add_parser("upload", help="upload media files to a running MPR (resumable)")
    upload.add_argument("files", nargs="+", metavar="FILE", type=Path)
    upload.add_argument("--preset", action="append", default=[],
                        help="start a job with this preset once uploaded (repeatable)")
    upload.add_argument("--url", help="MPR's address (default http://MPR_HOST:MPR_PORT)")
    upload.add_argument("--token", help="API token with the operator role (default MPR_TOKEN)")
    upload.add_argument("--limit-rate", type=float, metavar="BYTES_PER_S",
                        help="send at most this many bytes a second")
    upload.set_defaults(run=_upload)


def state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "mpr" / "uploads.json"


class ResumeState:
    """Upload URLs by (server, file path, size, mtime), in a small JSON file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        try:
            self._urls: dict[str, str] = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            self._urls = {}

    @staticmethod
    def key(server: str, file: Path) -> str:
        info = file.stat()
        return f"{server}|{file.resolve()}|{info.st_size}|{info.st_mtime_ns}"

    def get(self, key: str) -> str | None:
        return self._urls.get(key)

    def put(self, key: str, url: str | None) -> None:
        if url is None:
            self._urls.pop(key, None)
        else:
            self._urls[key] = url
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temp = self._path.with_suffix(".tmp")
        temp.write_text(json.dumps(self._urls, indent=1), "utf-8")
        temp.replace(self._path)


def _upload(settings: Settings, args: argparse.Namespace) -> int:
    server = (args.url or f"http://{settings.host}:{settings.port}").rstrip("/")
    token = args.token or os.environ.get("MPR_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    state, failed = ResumeState(state_file()), 0
    with httpx.Client(headers=headers, timeout=httpx.Timeout(60, read=600)) as client:
        for file in args.files:
            try:
                done = _one(client, server, file, args, state)
            except (UploadFailed, httpx.HTTPError, OSError) as e:
                print(f"\n{file}: {e}", file=sys.stderr)
                failed += 1
                continue
            jobs = f", jobs {', '.join(done.job_ids)}" if done.job_ids else ""
            print(f"{file}: asset {done.asset_id}{jobs}")
            if done.job_errors:
                print(f"{file}: jobs not started: {done.job_errors}", file=sys.stderr)
    return 1 if failed else 0


def _one(client: httpx.Client, server: str, file: Path, args: argparse.Namespace,
         state: ResumeState) -> Finished:
    key = ResumeState.key(server, file)
    metadata = {"filename": file.name}
    if args.preset:
        metadata["presets"] = ",".join(args.preset)
    uploader = TusUploader(client, f"{server}/api/uploads/", file, metadata, state.get(key),
                           on_progress=_Progress(file.name).show, rate_limit=args.limit_rate)
    known = uploader.offset()
    if known is not None:
        print(f"{file}: resuming at {known} of {uploader.length} bytes", file=sys.stderr)
    try:
        done = uploader.upload(on_created=lambda url: state.put(key, url))
    except UploadFailed:
        state.put(key, None)  # refused: the next run starts afresh
        raise
    with contextlib.suppress(OSError):
        state.put(key, None)
    print(file=sys.stderr)
    return done


class _Progress:
    """One status line on stderr: percent, bytes, speed, time left."""

    def __init__(self, name: str) -> None:
        self._name, self._start, self._first, self._shown = name, time.monotonic(), -1, 0.0

    def show(self, offset: int, length: int) -> None:
        now = time.monotonic()
        if self._first < 0:
            self._first = offset
        if now - self._shown < 0.2 and offset < length:
            return
        self._shown = now
        rate = (offset - self._first) / max(now - self._start, 1e-6)
        left = (length - offset) / rate if rate > 0 else 0.0
        print(f"\r{self._name}: {100 * offset / length:5.1f}% {offset / 1e6:.1f}/"
              f"{length / 1e6:.1f} MB {rate / 1e6:.1f} MB/s, {left:.0f} s left ",
              end="", file=sys.stderr, flush=True)
