"""Liveness and readiness endpoints."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from mpr import __version__


@get("/health", sync_to_thread=False)
def health() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok", "version": __version__}


@get("/ready")
async def ready(state: State) -> Response[dict[str, Any]]:
    """The database, the media stores and the queue answer; 503 naming what does not."""
    report = await state.services.system_status()
    body = {"status": "ready" if report.status == "ok" else "not ready",
            "components": {c.name: {"ok": c.ok, "detail": c.detail} for c in report.components}}
    code = HTTP_200_OK if report.status == "ok" else HTTP_503_SERVICE_UNAVAILABLE
    return Response(body, status_code=code)
