"""Sign in and out of the UI and the admin: a server-side session in an HttpOnly cookie."""

from __future__ import annotations

from functools import cache
from html import escape
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from mpr.bootstrap import Services
from mpr.domain.errors import Unauthenticated
from mpr.entrypoints.web.auth import (
    SESSION_COOKIE,
    Caller,
    authenticate,
    client_address,
    credential_of,
    is_https,
)
from mpr.entrypoints.web.host_origin import not_cross_site
from mpr.entrypoints.web.ui.pages import TEMPLATES

AnyRequest = Request[Any, Any, State]
Form = Body(media_type=RequestEncodingType.URL_ENCODED)


@cache
def _template() -> str:
    return (TEMPLATES / "login.html").read_text(encoding="utf-8")


def safe_next(target: str | None) -> str:
    """Only a local path: never another site, even spelled //host or /\\host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def login_page(next_path: str = "/", error: str = "", username: str = "",
               status: int = 200) -> Response[str]:
    page = _template().format(next=escape(safe_next(next_path)), error=escape(error),
                              username=escape(username))
    return Response(page, media_type="text/html", status_code=status,
                    headers={"Cache-Control": "no-store"})


async def caller_of(request: AnyRequest) -> Caller:
    services: Services = request.app.state.services
    return await authenticate(services.access, credential_of(request.headers, request.cookies))


@get("/login", include_in_schema=False)
async def login_form(request: AnyRequest, next: str = "/") -> Response[str] | Redirect:
    """The sign-in page (or straight on, when already signed in)."""
    if (await caller_of(request)).principal.authenticated:
        return Redirect(safe_next(next), status_code=303)
    return login_page(next)


@post("/login", include_in_schema=False, status_code=303)
async def login(request: AnyRequest, data: dict[str, str] = Form) -> Response[Any]:
    """Check the password; a new session cookie on success, one generic message otherwise."""
    services: Services = request.app.state.services
    settings = services.settings
    username, next_path = data.get("username", ""), safe_next(data.get("next"))
    client = client_address(settings, request.client.host if request.client else None,
                            request.headers)
    try:
        session_id, _ = await services.access.authenticator.login(
            username, data.get("password", ""), client)
    except Unauthenticated as e:
        return login_page(next_path, str(e), username, status=401)
    secure = is_https(settings, request.url.scheme, request.client.host if request.client
                      else None, request.headers)
    cookie = Cookie(key=SESSION_COOKIE, value=session_id, path="/", httponly=True,
                    samesite="lax", secure=secure,
                    max_age=int(settings.session_max_age))
    return Redirect(next_path, status_code=303, cookies=[cookie])


@post("/logout", include_in_schema=False, status_code=303)
async def logout(request: AnyRequest) -> Response[Any]:
    """End the session at once (POST from this site only) and forget the cookie."""
    headers = dict(request.headers)
    from_a_browser = "origin" in headers or "sec-fetch-site" in headers
    if not (from_a_browser and not_cross_site(headers)):
        return Response({"error": "sign out from MPR's own pages", "code": "FORBIDDEN"},
                        status_code=403)
    services: Services = request.app.state.services
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        await services.access.authenticator.logout(session_id)
    gone = Cookie(key=SESSION_COOKIE, value="", path="/", httponly=True, samesite="lax",
                  max_age=0)
    return Redirect("/login", status_code=303, cookies=[gone])
