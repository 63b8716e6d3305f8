"""Cutting 10 s out of a 10-minute 720p object in S3: bytes read and time against local ffmpeg.

Runs an S3 HTTP endpoint (moto's server, or --endpoint) on loopback behind a byte-counting TCP
proxy, stores a 10-minute 720p source object, and for a `copy` cut and an `h264-720p` cut runs:
  - the whole pipeline on S3 (presigned URL -> ffmpeg -> probe while uploading to the output
    bucket),
  - the whole pipeline on filesystem stores holding a local copy (what S3 adds over it),
  - the same ffmpeg command on the presigned URL alone,
  - the same ffmpeg command on a local copy of the object (the reference).
Prints the bytes the endpoint sent as a share of the object's size, and the time ratios.

    .venv/bin/python bench/s3_trim.py [--repeat 3] [--at 300] [--endpoint URL]"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from moto.server import ThreadedMotoServer

from mpr.adapters.clock import SystemClock
from mpr.adapters.ffmpeg.command import build_command
from mpr.adapters.ffmpeg.output_prober import PyAvOutputProber
from mpr.adapters.ffmpeg.prober import FfprobeProber
from mpr.adapters.ffmpeg.transcoder import FfmpegTranscoder
from mpr.adapters.storage.filesystem import FilesystemStorage
from mpr.adapters.storage.s3 import S3Storage
from mpr.adapters.storage.s3_client import make_s3_client
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.job import Trim
from mpr.domain.pipeline import MediaSource, TranscodeRequest, TranscodeSpec
from mpr.domain.ports import MediaStorage
from mpr.domain.preset import TranscodePreset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout: tests' fakes
from tests.unit.fakes import RecordingReporter

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

OUT = Path(__file__).parent / "out"
SOURCE = OUT / "s3_trim_source_600s_720p.mp4"
SOURCE_KEY = "bench/source 720p.mp4"
SECONDS, CUT = 600, 10.0
BUFFER = 64 * 1024


def make_source(path: Path) -> Path:
    """A 10-minute 720p H.264/AAC clip, keyframes every 2 s; cached between runs."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.mp4")
    subprocess.run([
        "ffmpeg", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={SECONDS}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
        "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1M", "-maxrate", "1M",
        "-bufsize", "2M", "-g", "50", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "96k", str(partial),  # moov at the end, as cameras write it
    ], check=True)
    partial.rename(path)
    return path


class CountingProxy:
    """A loopback TCP proxy that counts the bytes the server delivers to its clients.

    It keeps at most ~128 KB of its own in flight per connection (like a sender's TCP stack),
    so what it counts is what reached the client's socket; the client's own receive window
    (ffmpeg's read-ahead on a request it later abandons) is counted, as it would be on a
    network. Without that bound, loopback's multi-MB socket buffers would be counted too.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.served, self.connections = target, 0, 0
        self.server: asyncio.Server | None = None

    def start(self) -> str:
        """Serve on a thread of its own, so nothing the bench blocks on can stall it."""
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, daemon=True).start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._connection, "127.0.0.1", 0), loop).result()
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
        writer.transport.set_write_buffer_limits(high=BUFFER)
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(self._pipe(reader, up_writer, count=False),
                             self._pipe(up_reader, writer, count=True),
                             return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    count: bool) -> None:
        try:
            while data := await reader.read(BUFFER):
                if count:
                    self.served += len(data)
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()


async def timed(run: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def run_ffmpeg(request: TranscodeRequest) -> None:
    process = await asyncio.create_subprocess_exec(
        *build_command(request), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    _, stderr = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(stderr.decode(errors="replace"))


def preset(name: str) -> TranscodePreset:
    return next(p for p in BUILTIN_PRESETS if p.name == name)


def pipeline_of(stores: tuple[MediaStorage, MediaStorage]) -> TranscodePipeline:
    return TranscodePipeline(*stores, FfmpegTranscoder(), PyAvOutputProber(), SystemClock())


async def run_pipeline(pipeline: TranscodePipeline, name: str, trim: Trim) -> float:
    spec = TranscodeSpec(job_id=uuid.uuid4(), source_path=SOURCE_KEY,
                         source_duration=float(SECONDS), preset=preset(name), trim=trim,
                         output_path=f"bench/{name}-{uuid.uuid4().hex[:8]}.mp4")
    reporter = RecordingReporter()
    took = await timed(functools.partial(pipeline.run, spec, reporter))
    if reporter.output is None:
        raise RuntimeError(f"{name}: {reporter.failure}")
    return took


async def bench_preset(name: str, at: float, repeat: int, stores: tuple[S3Storage, S3Storage],
                       local_stores: tuple[MediaStorage, MediaStorage], proxy: CountingProxy,
                       size: int, tmp: Path) -> None:
    s3_pipeline, local_pipeline = pipeline_of(stores), pipeline_of(local_stores)
    trim = Trim(at, at + CUT)
    served, connections = [], []
    times: dict[str, list[float]] = {"s3": [], "fs": [], "url": [], "local": []}
    for _ in range(repeat):  # alternated, so a busy spell on the host hits all four alike
        before, opened = proxy.served, proxy.connections
        times["s3"].append(await run_pipeline(s3_pipeline, name, trim))
        served.append(proxy.served - before)
        connections.append(proxy.connections - opened)
        times["fs"].append(await run_pipeline(local_pipeline, name, trim))
        url = await stores[0].presigned_url(SOURCE_KEY)
        times["url"].append(await timed(functools.partial(run_ffmpeg,
                                                          _request(name, url, trim, tmp))))
        times["local"].append(await timed(
            lambda: run_ffmpeg(_request(name, str(SOURCE), trim, tmp))))
    print(f"{name:>10}: endpoint sent {_bytes_figure(served, size)} over "
          f"{statistics.median(connections):.0f} connections")
    print(_time_figure({k: statistics.median(v) for k, v in times.items()}))


async def bench_probe(source: S3Storage, proxy: CountingProxy, size: int) -> None:
    """What a scan costs per object: ffprobe on the presigned URL."""
    url = await source.presigned_url(SOURCE_KEY)
    before, started = proxy.served, time.perf_counter()
    await FfprobeProber().probe(MediaSource.at(url))
    took = time.perf_counter() - started
    print(f"{'ffprobe':>10}: endpoint sent {_bytes_figure([proxy.served - before], size)} "
          f"in {took:.2f} s")


def _request(name: str, source: str, trim: Trim, tmp: Path) -> TranscodeRequest:
    return TranscodeRequest(source=MediaSource.at(source),
                            destination=str(tmp / f"{uuid.uuid4().hex}.mp4"),
                            preset=preset(name), trim=trim, output_format="mp4",
                            expected_duration=CUT)


def _bytes_figure(served: list[int], size: int) -> str:
    read = statistics.median(served)
    return f"{read / 1e6:.2f} MB = {100 * read / size:.2f}% of the object"


def _time_figure(median: dict[str, float]) -> str:
    local = median["local"]
    rows = [("pipeline, S3 store", median["s3"]),
            ("pipeline, filesystem store (local copy)", median["fs"]),
            ("ffmpeg alone on the presigned URL", median["url"]),
            ("ffmpeg alone on a local copy (reference)", local)]
    return "\n".join(f"{'':>12}{label:<42} {1e3 * t:7.1f} ms  {t / local:5.2f}x"
                     for label, t in rows)


def start_endpoint(endpoint: str | None) -> tuple[ThreadedMotoServer | None, CountingProxy,
                                                  S3Client]:
    """The S3 endpoint (moto's server on loopback unless --endpoint names another), the
    counting proxy before it, and a client of the proxy; credentials from AWS_* if set."""
    server = None
    if endpoint is None:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        target = server.get_host_and_port()
    else:
        parsed = urllib.parse.urlsplit(endpoint)
        target = (parsed.hostname or "127.0.0.1", parsed.port or 80)
    proxy = CountingProxy(target)
    session = boto3.session.Session(
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "bench"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "bench"),
        region_name="us-east-1")
    client = make_s3_client(proxy.start(), session=session)
    for bucket in ("bench-in", "bench-out"):
        with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou,
                                 client.exceptions.BucketAlreadyExists):
            client.create_bucket(Bucket=bucket)
    return server, proxy, client


def request_latency(client: S3Client, key: str, runs: int = 5) -> float:
    """Median seconds for a 1-byte ranged GET: the endpoint's cost per request ffmpeg makes."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get_object(Bucket="bench-in", Key=key, Range="bytes=0-0")["Body"].read()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def main(repeat: int, at: float, endpoint: str | None) -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    size = make_source(SOURCE).stat().st_size
    server, proxy, client = start_endpoint(endpoint)
    print(f"endpoint: {endpoint or 'moto server (in process)'}")
    await asyncio.to_thread(client.upload_file, str(SOURCE), "bench-in", SOURCE_KEY)
    client.put_object(Bucket="bench-in", Key="tiny", Body=b"x" * 1024)
    tmp = OUT / "s3_trim_tmp"
    stores = (S3Storage("bench-in", client, staging=tmp),
              S3Storage("bench-out", client, staging=tmp))
    local_stores = local_copy(tmp)
    print(f"source: {size / 1e6:.1f} MB, {SECONDS} s 1280x720, moov at the end; cut {CUT:g} s "
          f"at {at:g} s; median of {repeat}")
    print(f"endpoint: a 1-byte ranged GET takes {1e3 * request_latency(client, SOURCE_KEY):.0f}"
          f" ms on the source object, {1e3 * request_latency(client, 'tiny'):.0f} ms on a"
          " 1 KB object")
    try:
        await bench_probe(stores[0], proxy, size)
        for name in ("copy", "h264-720p"):
            await bench_preset(name, at, repeat, stores, local_stores, proxy, size,
                               stores[0].staging_dir())
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def local_copy(tmp: Path) -> tuple[FilesystemStorage, FilesystemStorage]:
    """Filesystem input and output stores, a copy of the source under the same key (a hard
    link would be refused: the store reads only files with a single link)."""
    inbox, outbox = tmp / "fs-in", tmp / "fs-out"
    target = inbox / SOURCE_KEY
    target.parent.mkdir(parents=True, exist_ok=True)
    outbox.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        shutil.copyfile(SOURCE, target)
    return FilesystemStorage(inbox), FilesystemStorage(outbox)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--at", type=float, default=300.0, help="cut start, seconds")
    parser.add_argument("--endpoint", help="another S3 endpoint (e.g. MinIO) instead of moto")
    args = parser.parse_args()
    asyncio.run(main(args.repeat, args.at, args.endpoint))
    sys.exit(0)
