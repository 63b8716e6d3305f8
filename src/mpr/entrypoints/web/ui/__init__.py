"""The Timeline UI: the page at /, static files, media streaming and thumbnails."""

from __future__ import annotations

from litestar import Request, Response, Router
from litestar.datastructures import State
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from mpr.domain.errors import (
    Forbidden,
    InfrastructureError,
    MprError,
    NotFound,
    RefusedObject,
    Unauthenticated,
    ValidationError,
)
from mpr.entrypoints.web.ui.access import play_guard
from mpr.entrypoints.web.ui.graphiql import offline_graphiql
from mpr.entrypoints.web.ui.media import (
    asset_media,
    asset_package_member,
    asset_storyboard,
    asset_storyboard_sprite,
    asset_thumbnail,
    asset_waveform,
)
from mpr.entrypoints.web.ui.pages import STATIC, favicon, timeline, vendor

__all__ = ["offline_graphiql", "ui_router"]


def _status(error: MprError) -> int:
    if isinstance(error, Unauthenticated):
        return 401
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, ValidationError):
        return 400
    if isinstance(error, RefusedObject):
        return 409
    return 503 if isinstance(error, InfrastructureError) else 409


def _mpr_error(_: Request[object, object, State], error: Exception) -> Response[dict[str, str]]:
    code = error.code if isinstance(error, MprError) else "INTERNAL"
    status = _status(error) if isinstance(error, MprError) else 500
    return Response({"error": str(error), "code": code}, status_code=status)


def ui_router() -> Router:
    """Every UI route, with MPR errors answered as JSON with a fitting status."""
    handlers: list[ControllerRouterHandler] = [
        timeline, favicon, vendor,
        Router(path="/", route_handlers=[asset_media, asset_package_member, asset_thumbnail,
                                         asset_storyboard, asset_storyboard_sprite,
                                         asset_waveform],
               guards=[play_guard]),
        create_static_files_router(path="/static", directories=[STATIC], name="static",
                                   include_in_schema=False),
    ]
    return Router(path="/", route_handlers=handlers, exception_handlers={MprError: _mpr_error})
