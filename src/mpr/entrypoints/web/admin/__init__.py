"""The admin at /admin: sqladmin on a bare Starlette app, mounted into Litestar."""

from __future__ import annotations

from html import escape
from urllib.parse import unquote

from litestar import asgi
from litestar.handlers.asgi_handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send
from sqladmin import Admin
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp

from mpr.bootstrap import Services
from mpr.entrypoints.web.admin.auth import PasswordLogin
from mpr.entrypoints.web.admin.views import bound_views

PATH = "/admin"
DISABLED = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>MPR admin disabled</title><link rel="stylesheet" href="/static/ui/app.css"></head>
<body class="notice"><main><h1>The MPR admin is disabled</h1>
<p>No admin password is set. Start MPR with <code>MPR_ADMIN_PASSWORD</code> (and optionally
<code>MPR_ADMIN_USERNAME</code>, default <code>{user}</code>) in the environment to enable it,
for example:</p><pre>MPR_ADMIN_PASSWORD='a long secret' mpr serve</pre>
<p><a href="/">Back to the timeline</a></p></main></body></html>"""


def admin_app(services: Services) -> ASGIApp:
    """sqladmin behind the login, or a page saying how to enable it when no password is set."""
    settings = services.settings
    if settings.admin_password is None or not settings.admin_password.get_secret_value():
        page = DISABLED.format(user=escape(settings.admin_username))
        return HTMLResponse(page, status_code=503)
    app = Starlette()
    login = PasswordLogin(settings.admin_username, settings.admin_password.get_secret_value())
    admin = Admin(app, session_maker=services.container.infra.sessions(), base_url=PATH,
                  title="MPR admin", authentication_backend=login)
    for view in bound_views(services):
        admin.add_view(view)
    return app


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
