"""Upload throughput over loopback: a 1 GiB file through MPR's tus endpoint against curl
sending the same file to a trivial receiver and against cp, in the same sitting.

    python bench/upload.py [--size-mib 1024] [--rounds 3]

MPR is timed from the creating POST to the final PATCH's answer, so it includes the probe,
the move into the input store and the registration. Target: MPR >= 0.8 of curl's rate.

Every contender's written bytes are freed after its run (cp's and the receiver's files
removed, MPR's asset deleted) and a first round is run and not counted. On a virtual machine
whose memory the host backs lazily (this one: Firecracker), writing into pages the guest has
never touched costs ~2.2 CPU s per GiB against ~0.3 s into recycled pages (measured with
plain os.write of 1 GiB, kept versus removed files): a contender whose output stays would
pay that and the others not. The contenders' order turns by one place each round, as which
pages a write gets also depends on what ran before it; use --rounds 8 (two turns) or more.

Before each run, --warm-gib (default 2) GiB of anonymous memory is written and unmapped, so
every contender starts with as many freshly host-backed free pages: without it, the same
curl to the trivial receiver took 0.41 to 2.3 s from one run to the next; with it, its
medians were 0.52 to 0.67 s and its bests 0.42 to 0.47 s in four runs of the benchmark
(2026-12-03). Even so a contender varies by a factor of 2 to 3 within a sitting (see
bench/README.md). For curl -> MPR the POST and the PATCH are also timed
apart: the PATCH's answer waits for the probe and the registration. After the rounds,
--tail-rounds uploads are sent by sendfile on a raw socket and timed from their last byte
to the answer: the end of an upload alone, which the body's noise does not hide.

The reference is the faster of two trivial receivers, one reading 4 MiB at a time and one
256 KiB (what MPR's copy reads). As the host's noise decides which run is best, the bench
also prints the ratio of the medians, each round's ratio (the round's faster receiver over
MPR) and the CPU seconds
per upload of MPR's server (curl's PATCH; ffprobe, a child, not counted) against the
receiver thread's: the latter pair varies far less from one sitting to the next."""

from __future__ import annotations

import argparse
import base64
import contextlib
import mmap
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path

import httpx
from bench.common import cpu_times, mpr_server

from mpr.entrypoints.tus_client import TusUploader

MiB = 1024 * 1024


def make_wav(path: Path, size: int) -> Path:
    """A WAV of noise about `size` bytes long (real media: MPR probes it)."""
    frames_per_mib = MiB // 4
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(48000)
        for _ in range(size // MiB):
            out.writeframes(os.urandom(frames_per_mib * 4))
    return path


class TrivialReceiver:
    """An HTTP/1.1 receiver on a blocking socket: each request body is written to a file, one
    write per read of at most `read_bytes`, then 204. About as little as a server can do with
    the bytes. Two run: with 4 MiB reads, and with 256 KiB reads as MPR's copy makes (on this
    kernel a write of 1 MiB or more costs several times the CPU, see upload_staging.py)."""

    def __init__(self, directory: Path, read_bytes: int) -> None:
        self._directory, self._read_bytes = directory, read_bytes
        self.cpu: list[float] = []  # CPU seconds (this thread's) per body received
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TrivialReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._listener.close()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self._listener.accept()
                with connection:
                    self._receive(connection)

    def _receive(self, connection: socket.socket) -> None:
        started = time.thread_time()
        buffer = bytearray(self._read_bytes)
        data = b""
        while b"\r\n\r\n" not in data:
            data += connection.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        with (self._directory / f"recv-{time.monotonic_ns()}").open("wb") as out:
            out.write(body)
            left = length - len(body)
            view = memoryview(buffer)
            while left > 0:
                got = connection.recv_into(view, min(left, len(buffer)))
                if not got:
                    break
                out.write(view[:got])
                left -= got
        self.cpu.append(time.thread_time() - started)
        connection.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")


def warm_memory(gib: int) -> None:
    """Write `gib` GiB of anonymous memory and give it back (see the module's docstring)."""
    if gib <= 0:
        return
    block = b"\1" * (64 * MiB)
    with mmap.mmap(-1, gib * 1024 * MiB) as memory:
        for offset in range(0, len(memory), len(block)):
            memory[offset:offset + len(block)] = block


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def curl_via_tus(client: httpx.Client, token: str, source: Path,
                 phases: dict[str, list[float]] | None = None) -> str:
    """curl sends the bytes (-T streams the file) of an upload created with one POST, made
    on a client set up beforehand (making an httpx client alone takes ~25 ms, for its TLS
    context); the upload's URL. With `phases`, the POST's and the PATCH's times are added."""
    started = time.perf_counter()
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    name = base64.b64encode(b"bench.wav").decode()
    created = client.post("/api/uploads/", headers={
        **auth, "Upload-Length": str(source.stat().st_size),
        "Upload-Metadata": f"filename {name}"})
    created.raise_for_status()
    url = str(client.base_url).rstrip("/") + created.headers["location"]
    posted = time.perf_counter()
    headers = {**auth, "Upload-Offset": "0",
               "Content-Type": "application/offset+octet-stream"}
    argv = ["curl", "-sS", "-f", "-o", "/dev/null", "-X", "PATCH", "-T", str(source),
            "-H", "Expect:"]
    for key, value in headers.items():
        argv += ["-H", f"{key}: {value}"]
    subprocess.run([*argv, url], check=True)
    if phases is not None:
        phases.setdefault("POST", []).append(posted - started)
        phases.setdefault("PATCH", []).append(time.perf_counter() - posted)
    return url


def tail_via_tus(client: httpx.Client, token: str, source: Path) -> tuple[str, float]:
    """One upload whose PATCH body goes by sendfile on a raw socket; its URL and the time
    from the last byte handed to the kernel to the answer's first byte: the end of the
    upload (probe, move, registration) plus the server's read of what the socket buffers
    held, without the body's throughput and its noise."""
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    name = base64.b64encode(b"bench.wav").decode()
    size = source.stat().st_size
    created = client.post("/api/uploads/", headers={
        **auth, "Upload-Length": str(size), "Upload-Metadata": f"filename {name}"})
    created.raise_for_status()
    base = client.base_url
    head = "".join(f"{k}: {v}\r\n" for k, v in {
        **auth, "Host": f"{base.host}:{base.port}", "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(size)}.items())
    with socket.create_connection((base.host, base.port or 80)) as sock, source.open("rb") as f:
        sock.sendall(f"PATCH {created.headers['location']} HTTP/1.1\r\n{head}\r\n".encode())
        sock.sendfile(f)
        sent = time.perf_counter()
        answer = sock.recv(4096)
        tail = time.perf_counter() - sent
    if not answer.startswith(b"HTTP/1.1 204"):
        raise SystemExit(f"the raw PATCH failed: {answer[:200]!r}")
    return str(base).rstrip("/") + created.headers["location"], tail


def asset_of(client: httpx.Client, url: str) -> str:
    """The asset a finished upload became (asked after the timing)."""
    answer = client.head(url, headers={"Tus-Resumable": "1.0.0"})
    return answer.headers["mpr-asset-id"]


def curl_upload(url: str, source: Path) -> None:
    subprocess.run(["curl", "-sS", "-f", "-o", "/dev/null", "-X", "PUT", "-T", str(source),
                    "-H", "Expect:", url], check=True)


def mpr_client(base: str, token: str, source: Path) -> str:
    with httpx.Client(headers={"Authorization": f"Bearer {token}"},
                      timeout=httpx.Timeout(60, read=600)) as client:
        return TusUploader(client, f"{base}/api/uploads/", source,
                           {"filename": "bench.wav"}).upload().asset_id


def delete_asset(client: httpx.Client, asset_id: str) -> None:
    """The upload's asset is removed (its file, by the caller: see clean())."""
    answer = client.post("/graphql", json={
        "query": "mutation ($id: ID!) { deleteAsset(id: $id) { ok } }",
        "variables": {"id": asset_id}}).json()
    if answer.get("errors"):
        raise SystemExit(f"deleteAsset failed: {answer['errors']}")


def report(label: str, seconds: list[float], size: int, reference: float | None) -> float:
    best = min(seconds)
    ratio = f", {reference / best:.2f} of curl" if reference else ""
    print(f"  {label:<34} best {best:6.2f} s  median {statistics.median(seconds):6.2f} s  "
          f"{size / MiB / best:7.1f} MiB/s{ratio}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tail-rounds", type=int, default=8,
                        help="uploads timed from their last byte to the answer, after the rounds")
    parser.add_argument("--warm-gib", type=int, default=2,
                        help="GiB of memory written and freed before each run (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mpr-bench-upload-", dir="/tmp") as tmp:
        root = Path(tmp)
        source = make_wav(root / "bench.wav", args.size_mib * MiB)
        size = source.stat().st_size
        (root / "recv").mkdir()
        print(f"upload of {size / MiB:.0f} MiB over loopback, {args.rounds} rounds, "
              f"{args.warm_gib} GiB of memory warmed before each run")
        with (TrivialReceiver(root / "recv", 4 * MiB) as big,
              TrivialReceiver(root / "recv", 256 * 1024) as small,
              mpr_server(root / "mpr") as server):
            token = server.client.headers["Authorization"].split()[1]
            base = str(server.client.base_url).rstrip("/")
            runs: dict[str, list[float]] = {
                k: [] for k in ("cp", "curl", "curl-256k", "mpr-curl", "mpr")}
            uploaded: list[str] = []
            patched: list[str] = []
            phases: dict[str, list[float]] = {}

            def clean() -> None:
                for stale in [*(root / "recv").iterdir(), *root.glob("cp-copy")]:
                    stale.unlink()
                while patched:
                    uploaded.append(asset_of(server.client, patched.pop()))
                while uploaded:
                    delete_asset(server.client, uploaded.pop())
                # deleteAsset leaves a source's file in the input store (MPR never removes
                # what is there): the bench removes the uploaded ones itself, as cp's copy
                for stored in (server.data_dir / "media" / "in").rglob("*.wav"):
                    stored.unlink()

            contenders: dict[str, Callable[[], object]] = {
                "cp": lambda: shutil.copyfile(source, root / "cp-copy"),
                "curl": lambda: curl_upload(f"http://127.0.0.1:{big.port}/f", source),
                "curl-256k": lambda: curl_upload(f"http://127.0.0.1:{small.port}/f", source),
                "mpr-curl": lambda: patched.append(
                    curl_via_tus(server.client, token, source, phases)),
                "mpr": lambda: uploaded.append(mpr_client(base, token, source)),
            }
            order = list(contenders)
            server_cpu: list[float] = []
            for n in range(args.rounds + 1):  # round 0 warms up and is not counted
                # each round starts one place further on: whoever runs first after a
                # removal gets the freshest (or the most recycled) pages, in turn
                for name in order[n % len(order):] + order[:n % len(order)]:
                    warm_memory(args.warm_gib)
                    before = cpu_times(server.pid)[0]
                    seconds = timed(contenders[name])
                    if n and name == "mpr-curl":
                        server_cpu.append(cpu_times(server.pid)[0] - before)
                    clean()
                    if n:
                        runs[name].append(seconds)
            report("cp to the same disk", runs["cp"], size, None)
            curl = min(report("curl -> trivial receiver, 4 MiB", runs["curl"], size, None),
                       report("curl -> trivial receiver, 256 KiB", runs["curl-256k"], size,
                              None))
            print(f"  (the ratios below are against the faster receiver's best, {curl:.2f} s)")
            report("curl -> MPR tus (POST + PATCH)", runs["mpr-curl"], size, curl)
            report("mpr upload client -> MPR tus", runs["mpr"], size, curl)
            receiver = min(statistics.median(runs["curl"]), statistics.median(runs["curl-256k"]))
            print(f"  medians: the faster receiver's {receiver:.2f} s over MPR's: curl -> MPR "
                  f"{receiver / statistics.median(runs['mpr-curl']):.2f}, MPR's client "
                  f"{receiver / statistics.median(runs['mpr']):.2f}")
            references = [min(pair) for pair in zip(runs["curl"], runs["curl-256k"],
                                                    strict=True)]
            print("  per round, the faster receiver's time over MPR's (median, lowest-highest):")
            for label, key in (("curl -> MPR", "mpr-curl"), ("MPR's client", "mpr")):
                ratios = [r / m for r, m in zip(references, runs[key], strict=True)]
                print(f"    {label:<14} {statistics.median(ratios):.2f} "
                      f"({min(ratios):.2f}-{max(ratios):.2f})")
            print(f"  CPU s per upload, medians: MPR's server {statistics.median(server_cpu):.2f} "
                  f"(curl's PATCH, without ffprobe), trivial receiver "
                  f"{statistics.median(big.cpu[1:] + small.cpu[1:]):.2f}")
            counted = {k: v[-args.rounds:] for k, v in phases.items()}  # not the warm-up's
            print("  curl -> MPR tus, medians: " + ", ".join(
                f"{k} {statistics.median(v) * 1000:.0f} ms" for k, v in counted.items()))
            tails = []
            for _ in range(args.tail_rounds):
                warm_memory(args.warm_gib)
                url, tail = tail_via_tus(server.client, token, source)
                tails.append(tail)
                patched.append(url)
                clean()
            if tails:
                print(f"  end of the upload, last byte sent -> answer ({len(tails)} uploads): "
                      f"median {statistics.median(tails) * 1000:.0f} ms, "
                      f"{min(tails) * 1000:.0f}-{max(tails) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
