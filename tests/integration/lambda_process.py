"""Run the Lambda handler in this process as the Lambda runtime would: one invocation.

    python -m tests.integration.lambda_process SECONDS < event.json

The event is read from stdin; the context's remaining time counts down from SECONDS. The
handler's return value is printed as JSON on stdout (exit 0); an exception is printed as
the runtime reports it, `{"errorType", "errorMessage"}` (exit 1)."""

from __future__ import annotations

import json
import sys
import time


class Context:
    """The Lambda context's time-keeping, and the fields a handler may log."""

    function_name = "mpr-transcode"
    memory_limit_in_mb = 3008
    aws_request_id = "test-request"

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 900.0
    event = json.loads(sys.stdin.read())
    context = Context(seconds)
    from mpr.entrypoints.lambda_handler import handler

    try:
        result = handler(event, context)
    except Exception as e:  # the runtime reports any exception as the invocation's error
        print(json.dumps({"errorType": type(e).__name__, "errorMessage": str(e)}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
