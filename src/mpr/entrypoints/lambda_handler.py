"""The AWS Lambda entrypoint: `mpr.entrypoints.lambda_handler.handler(event, context)`.

The event is the Step Functions execution input unchanged: a job spec (spec_codec JSON).
The state machine's Catch step invokes the function again with that input plus `error`
(Step Functions' `{"Error": ..., "Cause": ...}`) when the run crashed or timed out; the
handler then only reports the crash on the signed callback, so MPR retries or fails the
job. Services are built once per execution environment, on the first invocation.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from mpr.bootstrap.lambda_runtime import LambdaRuntime, build_lambda
from mpr.domain.errors import InvalidMessage
from mpr.domain.spec_codec import spec_from_dict
from mpr.settings import load_settings

log = logging.getLogger("mpr.lambda")
_runtime: LambdaRuntime | None = None


class LambdaContext(Protocol):
    """The part of the Lambda context object the handler uses."""

    def get_remaining_time_in_millis(self) -> int:
        ...


def runtime() -> LambdaRuntime:
    """The services of this execution environment, built on first use."""
    global _runtime
    if _runtime is None:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level,
                            format="%(levelname)s %(name)s: %(message)s", force=True)
        _runtime = build_lambda(settings)
    return _runtime


def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """Run the spec (or report the caught crash); the result is the state's output."""
    services = runtime()
    if isinstance(event, dict) and "error" in event:
        return asyncio.run(_report_crash(services, event))
    spec = spec_from_dict(event)
    reporter = services.reporter(spec.run)

    def seconds_left() -> float:
        return context.get_remaining_time_in_millis() / 1000

    outcome = asyncio.run(services.run(spec, reporter, seconds_left))
    log.info("job %s run %d: %s %s", spec.job_id, spec.run, outcome.outcome,
             outcome.detail)
    return {"job_id": str(spec.job_id), "run": spec.run, "outcome": outcome.outcome,
            "detail": outcome.detail}


async def _report_crash(services: LambdaRuntime, event: dict[str, Any]) -> dict[str, Any]:
    spec = spec_from_dict({k: v for k, v in event.items() if k != "error"})
    error = event["error"]
    if not isinstance(error, dict):
        raise InvalidMessage("error must be Step Functions' {Error, Cause} object")
    name, cause = str(error.get("Error") or "unknown"), str(error.get("Cause") or "")
    message = f"the Lambda run ended without an outcome: {name}: {cause}"[:4000]
    await services.reporter(spec.run).crashed(spec.job_id, message)
    return {"job_id": str(spec.job_id), "run": spec.run, "outcome": "crash reported"}
