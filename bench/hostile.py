"""/health under hostile GraphQL load, and the server's memory after it (issue 11, item 6).

    .venv/bin/python bench/hostile.py [--seconds 10] [--queries 1000] [--clients 4]

For each document (the largest accepted one the limits allow, and refused ones at the
limits), CLIENTS threads send it back to back for SECONDS (with an admin token, so the
accepted document really runs) while a process of its own calls /health every 20 ms (a
bystander: threads here would time this process's interpreter lock too); prints what the
server answered, /health's median and p99 latency, and the server's resident memory before
and after QUERIES more of the documents.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import queue
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import httpx
from graphql import parse

from common import mpr_server
from mpr.entrypoints.web.graphql.limits import (
    MAX_ALIASES,
    MAX_FIELDS,
    MAX_TOKENS,
    MAX_VALUES,
    measure,
    refusal,
)
from mpr.entrypoints.web.graphql.schema import make_schema

PRESET_FIELDS = ("id name description isBuiltin container videoCodec videoBitrate videoCrf "
                 "videoPreset resolution framerate audioCodec audioBitrate audioChannels")


def largest_accepted() -> str:
    """As many aliased preset lists with every field as the limits let in."""
    schema = make_schema()._schema
    pages: list[str] = []
    while True:
        more = [*pages, f"p{len(pages)}: presets(limit: 20) {{ {PRESET_FIELDS} }}"]
        if refusal(measure(parse("{ " + " ".join(more) + " }"), schema)) is not None:
            return "{ " + " ".join(pages) + " }"
        pages = more


DOCUMENTS = {
    "baseline: { __typename }": "{ __typename }",
    "largest accepted": largest_accepted(),
    "tokens over the limit (200 KB)": "{ " + "__typename " * 20_000 + "}",
    "fragment fan-out (2**60 fields)": "query { ...F0 }\n" + "\n".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(60))
        + "\nfragment F60 on Query { __typename }",
    "body over the limit (7 MB of aliases)": "{ " + " ".join(
        f"a{i}: __typename" for i in range(400_000)) + " }",
}


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def health_latencies(base_url: str, stop: EventType, into: Queue[float]) -> None:
    """In a process of its own: time /health every 20 ms until stopped."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        client.get("/health")
        while not stop.is_set():
            started = time.perf_counter()
            client.get("/health").raise_for_status()
            into.put(time.perf_counter() - started)
            stop.wait(0.02)


def hammer(base_url: str, body: bytes, clients: int, auth: dict[str, str], *,
           seconds: float | None = None, count: int | None = None) -> list[int]:
    """Send the body from `clients` threads for `seconds` or `count` requests; statuses."""
    statuses: list[int] = []
    deadline = time.monotonic() + (seconds or 1e9)

    def one_client(share: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60, headers=auth) as client:
            sent = 0
            while time.monotonic() < deadline and (count is None or sent < share):
                statuses.append(client.post("/graphql", content=body, headers={
                    "content-type": "application/json"}).status_code)
                sent += 1

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one_client, [(count or 0) // clients] * clients))
    return statuses


def answer(base_url: str, body: bytes, auth: dict[str, str]) -> str:
    """'data', or the code of the first error the server answers the document with."""
    response = httpx.post(f"{base_url}/graphql", content=body, timeout=60, headers={
        **auth, "content-type": "application/json"})
    try:
        errors = response.json().get("errors")
    except ValueError:
        return f"HTTP {response.status_code}"
    return str(errors[0]["extensions"]["code"]) if errors else "data"


def report(base_url: str, pid: int, auth: dict[str, str], name: str, query: str,
           args: argparse.Namespace) -> None:
    body = json.dumps({"query": query}).encode()
    answered = answer(base_url, body, auth)
    spawn = multiprocessing.get_context("spawn")
    stop, found = spawn.Event(), spawn.Queue()
    watcher = spawn.Process(target=health_latencies, args=(base_url, stop, found))
    watcher.start()
    statuses = hammer(base_url, body, args.clients, auth, seconds=args.seconds)
    stop.set()
    latencies: list[float] = []
    while watcher.is_alive() or not found.empty():
        with contextlib.suppress(queue.Empty):
            latencies.append(found.get(timeout=0.1))
    watcher.join()
    before = resident_mb(pid)
    hammer(base_url, body, args.clients, auth, count=args.queries)
    after = resident_mb(pid)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{name}: {len(body) / 1024:.0f} KiB, answered {answered}, {len(statuses)} requests "
          f"(HTTP {sorted(set(statuses))}) in {args.seconds:.0f} s; /health median "
          f"{statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max "
          f"{latencies[-1] * 1000:.1f} ms ({len(latencies)} calls); resident "
          f"{before:.0f} MB -> {after:.0f} MB after {args.queries} more")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    print(f"limits: {MAX_TOKENS} tokens, {MAX_FIELDS} fields, {MAX_ALIASES} aliases, "
          f"{MAX_VALUES} values")
    with tempfile.TemporaryDirectory() as tmp, mpr_server(Path(tmp)) as server:
        base_url = str(server.client.base_url).rstrip("/")
        print(f"idle: resident {resident_mb(server.pid):.0f} MB")
        for name, query in DOCUMENTS.items():
            auth = {"Authorization": str(server.client.headers["Authorization"])}
            report(base_url, server.pid, auth, name, query, args)


if __name__ == "__main__":
    main()
