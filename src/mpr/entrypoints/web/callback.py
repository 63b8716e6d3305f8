"""`POST /api/jobs/{id}/callback`: a Lambda run reporting progress and its outcome.

The signature (`X-MPR-Signature`, see domain.callback_signature) is checked over the raw
body before anything is parsed. Answers, in JSON:
- 200 `{"status": <job status>, "accepted": true|false}`: taken (or, `accepted` false, a
  repeat or an overtaken call that changed nothing); the run goes on.
- 409 `{"status": <job status>, "accepted": false, "stop": true, "reason": ...}`: the run
  must stop now and store nothing: the job was cancelled (`reason` "cancelled"), this
  run is no longer the job's live one ("stale run"), or the job already ended.
- 400 a body that is not exactly one callback event, or names another job; 401 unsigned,
  badly signed, or signed more than 300 s from the server's clock, and every call to a server
  not in lambda mode (it holds no callback secret, so no signature can be good); 404 unknown
  job; 503 the database is unavailable (the run tries again).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import State

from mpr.domain.callback_codec import MAX_CALLBACK_BYTES, event_from_json
from mpr.domain.callback_signature import HEADER, verify
from mpr.domain.errors import InfrastructureError, InvalidMessage, NotFound, Unauthenticated

Answer = Response[dict[str, Any]]


@post("/api/jobs/{job_id:str}/callback", request_max_body_size=MAX_CALLBACK_BYTES,
      status_code=200)
async def job_callback(job_id: str, state: State, request: Request[Any, Any, Any]) -> Answer:
    """Record one signed callback of a Lambda run."""
    callbacks = state.services.callbacks
    if callbacks is None:
        return _error(401, "this server takes no callbacks: it runs jobs itself (not in "
                           "lambda mode) and holds no callback secret to check them with")
    body = await request.body()
    try:
        verify(callbacks.secret, request.headers.get(HEADER), body, time.time())
    except Unauthenticated as e:
        return _error(401, str(e))
    try:
        event = event_from_json(body)
    except InvalidMessage as e:
        return _error(400, str(e))
    if str(event.job_id) != job_id.lower() or not _is_uuid(job_id):
        return _error(400, "the callback names another job than its URL")
    try:
        answer = await callbacks.record(event)
    except NotFound as e:
        return _error(404, str(e))
    except InfrastructureError as e:
        return _error(503, str(e))
    body_out: dict[str, Any] = {"status": answer.status, "accepted": answer.accepted}
    if answer.stop:
        body_out.update(stop=True, reason=answer.reason)
    elif answer.reason:
        body_out["reason"] = answer.reason
    return Response(body_out, status_code=409 if answer.stop else 200)


def _error(code: int, reason: str) -> Answer:
    return Response({"error": reason, "reason": reason}, status_code=code)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
