"""A stand-in for AWS Lambda's Invoke API that runs MPR's handler, for moto's ASL engine.

moto's Step Functions engine (executions really run once `execute_state_machine` is on)
invokes a Task's Lambda through the Lambda API at `http://localhost:$MOTO_PORT`; moto's own
Lambda needs Docker, which is not here. Given as MOTO_PORT, this server answers
`POST /2015-03-31/functions/<name>/invocations` by running the handler as its own process
(tests.integration.lambda_process) on the payload, and answers as Lambda does: the result,
or `X-Amz-Function-Error: Unhandled` with `{"errorType", "errorMessage"}`. A plan per
invocation lets a test throttle an invocation (429 TooManyRequestsException, as Lambda
answers) or SIGKILL the handler once its ffmpeg runs (Runtime.ExitError, as an
out-of-memory kill reads)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.integration.server_fixtures import ffmpeg_pids


@dataclass
class Invocation:
    payload: dict[str, Any]
    plan: str
    answer: dict[str, Any] | None = None


@dataclass
class Emulator:
    """The runtime's state: the plans still to play and every invocation seen."""

    env: dict[str, str]
    cwd: Path
    port: int = 0
    plans: list[str] = field(default_factory=list)  # "run", "throttle", "kill"
    invocations: list[Invocation] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_plan(self) -> str:
        with self.lock:
            return self.plans.pop(0) if self.plans else "run"

    def run(self, payload: bytes, plan: str) -> tuple[dict[str, Any], bool]:
        """The handler's answer and whether it is a function error."""
        data_dir = Path(self.env["MPR_DATA_DIR"]) / f"invocation-{len(self.invocations)}"
        process = subprocess.Popen([sys.executable, "-m", "tests.integration.lambda_process",
                                    "900"], env={**self.env, "MPR_DATA_DIR": str(data_dir)},
                                   cwd=self.cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        if plan == "kill":  # once its ffmpeg runs, as an out-of-memory kill would
            assert process.stdin is not None
            process.stdin.write(payload.decode())
            process.stdin.close()
            process.stdin = None
            _wait_for_encode(process, data_dir)
            process.kill()
            process.communicate()
            return {"errorType": "Runtime.ExitError", "errorMessage":
                    "RequestId: emulated Error: Runtime exited with error: signal: killed"}, True
        out, _ = process.communicate(payload.decode(), timeout=300)
        lines = [line for line in out.splitlines() if line.startswith("{")]
        answer = json.loads(lines[-1]) if lines else {"errorType": "Runtime.Unknown",
                                                       "errorMessage": "no output"}
        return answer, process.returncode != 0


def _wait_for_encode(process: subprocess.Popen[str], data_dir: Path) -> None:
    deadline = time.monotonic() + 60
    while not ffmpeg_pids(str(data_dir)):
        assert process.poll() is None, "the handler ended before its encode started"
        assert time.monotonic() < deadline, "the handler's encode never started"
        time.sleep(0.05)


def _handler_class(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    class Invoke(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            payload = self.rfile.read(length)
            plan = emulator.next_plan()
            invocation = Invocation(json.loads(payload or b"{}"), plan)
            emulator.invocations.append(invocation)
            if plan == "throttle":
                self._answer(429, {"Type": "User", "message": "Rate Exceeded."},
                             {"x-amzn-ErrorType": "TooManyRequestsException"})
                return
            answer, failed = emulator.run(payload, plan)
            invocation.answer = answer
            self._answer(200, answer, {"X-Amz-Function-Error": "Unhandled"} if failed else {})

        def _answer(self, code: int, body: Mapping[str, Any], headers: Mapping[str, str]
                    ) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))  # Lambda sends one
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Invoke


@contextmanager
def lambda_emulator(env: dict[str, str], cwd: Path) -> Iterator[Emulator]:
    """The emulator serving on a free loopback port until the block ends."""
    emulator = Emulator(env, cwd)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(emulator))
    emulator.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield emulator
    finally:
        server.shutdown()
        server.server_close()
