"""Liveness and readiness endpoints."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from mpr import __version__
from mpr.application.authorization import Permission
from mpr.entrypoints.web.auth import authenticate, credential_of


@get("/health", sync_to_thread=False)
def health() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok", "version": __version__}


@get("/ready")
async def ready(state: State, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """The database, the media stores and the queue answer; 503 naming what does not.
    Where a healthy component lives (paths, URLs) is shown to admins only."""
    report = await state.services.system_status()
    caller = await authenticate(state.services.access,
                                credential_of(request.headers, request.cookies))
    details = caller.principal.may(Permission.SYSTEM_DETAILS)
    body = {"status": "ready" if report.status == "ok" else "not ready",
            "components": {c.name: {"ok": c.ok, **({"detail": c.detail}
                                                   if details or not c.ok else {})}
                           for c in report.components}}
    code = HTTP_200_OK if report.status == "ok" else HTTP_503_SERVICE_UNAVAILABLE
    return Response(body, status_code=code)
