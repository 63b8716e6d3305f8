"""Resumable uploads over tus at /api/uploads/."""

from __future__ import annotations

from litestar import Request, Response, Router
from litestar.datastructures import State

from mpr.domain.errors import MprError
from mpr.entrypoints.web.uploads.routes import (
    append_bytes,
    create_upload,
    error_response,
    terminate_upload,
    tus_options,
    tus_upload_options,
    upload_offset,
)


def _mpr_error(_: Request[object, object, State], error: Exception) -> Response[dict[str, str]]:
    if isinstance(error, MprError):
        return error_response(error)
    return Response({"error": "internal error", "code": "INTERNAL"}, status_code=500)


def uploads_router() -> Router:
    """Every tus route, MPR errors answered as JSON with tus headers."""
    return Router(path="/", route_handlers=[tus_options, create_upload, upload_offset,
                                            append_bytes, terminate_upload,
                                            tus_upload_options],
                  exception_handlers={MprError: _mpr_error})
