"""The admin at /admin: sqladmin on a bare Starlette app, mounted into Litestar."""

from __future__ import annotations

from urllib.parse import unquote

from litestar import asgi
from litestar.handlers.asgi_handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send
from sqladmin import Admin
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from mpr.bootstrap import Services
from mpr.entrypoints.web.admin.gate import AdminGate
from mpr.entrypoints.web.admin.views import bound_views

PATH = "/admin"


def admin_app(services: Services) -> ASGIApp:
    """sqladmin behind the gate: MPR's users with the admin role, CSRF tokens, POST actions."""
    # sqladmin keeps its flash messages in a signed cookie; it carries no identity.
    flash = Middleware(SessionMiddleware, secret_key=services.access.secret.hex(),
                       session_cookie="mpr_admin_flash", path=PATH, same_site="strict")
    app = Starlette(middleware=[flash])
    admin = Admin(app, session_maker=services.admin.sessions, base_url=PATH,
                  title="MPR admin")
    for view in bound_views(services):
        admin.add_view(view)
    return AdminGate(app, services)


def admin_mount(services: Services) -> ASGIRouteHandler:
    """A Litestar mount that hands sqladmin the request with its full path."""
    app = admin_app(services)

    @asgi(PATH, is_mount=True, copy_scope=True)
    async def admin(scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path") or PATH.encode()
        full = {**scope, "path": unquote(raw.decode("latin-1").split("?", 1)[0]),
                "root_path": ""}
        await app(full, receive, send)  # type: ignore[arg-type]

    return admin
