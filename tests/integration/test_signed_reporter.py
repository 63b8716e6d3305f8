"""The Lambda's callback reporter against a local HTTP endpoint: signed calls, retries with
backoff on network errors and 5xx, never on 4xx, and 409 read as 'stop'."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mpr.adapters.callback.signed_reporter import CallbackFailed, SignedCallbackReporter
from mpr.domain.callback_codec import event_from_json
from mpr.domain.callback_signature import HEADER, verify
from mpr.domain.errors import JobCancelled
from mpr.domain.job import Progress
from tests.integration.server_fixtures import free_port

SECRET = b"k" * 40
JOB = uuid.uuid4()


class Endpoint:
    def __init__(self) -> None:
        self.answers: list[int] = []  # status codes to play, then 200
        self.calls: list[tuple[str, bytes]] = []


@pytest.fixture
def endpoint() -> Iterator[tuple[Endpoint, str]]:
    state = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.calls.append((self.headers.get(HEADER, ""), body))
            code = state.answers.pop(0) if state.answers else 200
            data = json.dumps({"status": "processing", "reason": "cancelled"}).encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def reporter(url: str) -> SignedCallbackReporter:
    return SignedCallbackReporter(url, SECRET, run=3, delays=(0.05, 0.05, 0.05))


def test_every_call_is_signed_and_numbered_upwards(endpoint):
    state, url = endpoint
    report = reporter(url)

    asyncio.run(report.started(JOB))
    asyncio.run(report.progress(JOB, Progress(10.0)))

    events = [event_from_json(body) for _, body in state.calls]
    for header, body in state.calls:
        verify(SECRET, header, body, time.time())
    assert [e.kind for e in events] == ["started", "progress"]
    assert {e.run for e in events} == {3}
    assert events[0].seq < events[1].seq


def test_5xx_answers_are_tried_again_until_one_succeeds(endpoint):
    state, url = endpoint
    state.answers = [503, 500]

    asyncio.run(reporter(url).started(JOB))

    assert len(state.calls) == 3
    assert len({body for _, body in state.calls}) == 1  # the same event each time


@pytest.mark.parametrize("code", [400, 401, 404, 409])
def test_4xx_answers_are_never_tried_again_and_stop_the_run(endpoint, code):
    state, url = endpoint
    state.answers = [code]

    with pytest.raises(JobCancelled):
        asyncio.run(reporter(url).started(JOB))

    assert len(state.calls) == 1


def test_an_unreachable_api_is_tried_with_backoff_then_fails():
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()

    with pytest.raises(CallbackFailed):
        asyncio.run(reporter(url).started(JOB))

    assert time.monotonic() - started >= 0.15


def test_progress_is_sent_at_most_every_interval(endpoint):
    state, url = endpoint
    report = reporter(url)

    async def burst() -> None:
        for percent in range(1, 50):
            await report.progress(JOB, Progress(float(percent)))

    asyncio.run(burst())

    assert len(state.calls) == 1
