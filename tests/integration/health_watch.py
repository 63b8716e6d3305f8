"""Watch a server's /health while an attack runs: it must keep answering, and quickly.

The calls are made and timed by a process of their own (a bystander client), so what is
measured is the server, not this test process, whose threads (the attack's clients, the
moto server) compete for its interpreter lock. The time the bystander itself spent waiting
for a CPU during a call (its run-queue delay, from /proc/self/schedstat) is not the
server's and is taken off that call's latency; both figures are kept for the report.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HEALTH_LIMIT = 0.1  # seconds: the slowest /health answer an attack may cause
POLL_INTERVAL = 0.02
READY_TIMEOUT = 10.0

# One keep-alive connection; a line per call ("ok <seconds> <seconds waiting for a CPU>" or
# "fail <reason>") until stdin closes. Only the standard library, so it starts in a few tens
# of milliseconds.
POLLER = """
import http.client, select, sys, time
host, port, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
connection = http.client.HTTPConnection(host, port, timeout=5)
def waited():
    try:
        with open("/proc/self/schedstat") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0
def call():
    global connection
    queued = waited()
    started = time.perf_counter()
    try:
        connection.request("GET", "/health")
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException) as e:
        connection.close()
        connection = http.client.HTTPConnection(host, port, timeout=5)
        return "fail " + type(e).__name__ + ": " + str(e)
    elapsed = time.perf_counter() - started
    if response.status != 200:
        return f"fail HTTP {response.status}"
    return f"ok {elapsed} {waited() - queued}"
call()  # connect outside the measurement
print("ready", flush=True)
while not select.select([sys.stdin], [], [], interval)[0]:
    print(call(), flush=True)
"""


@dataclass
class HealthWatch:
    """Latencies of /health calls made every POLL_INTERVAL by a process of its own: the
    server's share (`latencies`) and, per call, the time the caller waited for a CPU."""

    base_url: str
    latencies: list[float] = field(default_factory=list)
    caller_waits: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _ready: threading.Event = field(default_factory=threading.Event)

    def follow(self, process: subprocess.Popen[str]) -> None:
        """Collect the poller's lines until it ends."""
        assert process.stdout is not None
        for line in process.stdout:
            kind, _, value = line.strip().partition(" ")
            if kind == "ready":
                self._ready.set()
            elif kind == "ok":
                elapsed, _, waited = value.partition(" ")
                wait = min(float(waited or 0.0), float(elapsed))
                self.latencies.append(float(elapsed) - wait)
                self.caller_waits.append(wait)
            else:
                self.failures.append(value or line.strip())
        self._ready.set()

    @property
    def slowest(self) -> float:
        return max(self.latencies, default=float("inf"))

    def worst(self, count: int = 3) -> str:
        """The slowest calls, as "<server's ms> (+<ms the caller waited for a CPU>)"."""
        calls = sorted(zip(self.latencies, self.caller_waits, strict=True), reverse=True)
        return ", ".join(f"{latency * 1000:.0f} (+{wait * 1000:.0f})"
                         for latency, wait in calls[:count])


@contextlib.contextmanager
def health_kept(base_url: str, limit: float = HEALTH_LIMIT) -> Iterator[HealthWatch]:
    """Poll /health during the block; fail unless every call answered 200 within `limit` s."""
    watch = HealthWatch(base_url)
    where = urlsplit(base_url)
    process = subprocess.Popen(
        [sys.executable, "-c", POLLER, where.hostname or "127.0.0.1", str(where.port or 80),
         str(POLL_INTERVAL)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    reader = threading.Thread(target=watch.follow, args=(process,), name="health-watch",
                              daemon=True)
    reader.start()
    try:
        assert watch._ready.wait(READY_TIMEOUT), "the /health watcher did not start"
        yield watch
    finally:
        assert process.stdin is not None
        process.stdin.close()  # the poller stops after its current call
        process.wait(10)
        reader.join(10)
    assert not watch.failures, f"/health failed during the attack: {watch.failures[:5]}"
    assert watch.latencies, "/health was never answered during the attack"
    assert watch.slowest <= limit, (
        f"/health took {watch.slowest * 1000:.0f} ms during the attack (limit "
        f"{limit * 1000:.0f} ms; {len(watch.latencies)} calls; slowest in ms: "
        f"{watch.worst()})")
