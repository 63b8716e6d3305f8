"""The Timeline UI page, its static files and the vendored (pre-compressed) libraries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File, Redirect

from mpr.entrypoints.web.ui.access import connection_caller

WEB = Path(__file__).resolve().parent.parent
STATIC = WEB / "static"
TEMPLATES = WEB / "templates"
VENDOR = STATIC / "vendor"
_TYPES = {".js": "text/javascript", ".css": "text/css"}
_NO_STORE = {"Cache-Control": "no-cache"}


@get("/", include_in_schema=False)
async def timeline(request: Request[Any, Any, Any]) -> File | Redirect:
    """The Timeline UI (a static page; its modules talk to /graphql); first, the sign-in."""
    if not (await connection_caller(request)).principal.authenticated:
        return Redirect("/login", status_code=303)
    return File(TEMPLATES / "index.html", media_type="text/html",
                content_disposition_type="inline", headers=_NO_STORE)


@get("/favicon.ico", include_in_schema=False)
async def favicon() -> File:
    """The icon browsers ask for on pages that name none (the admin's, GraphiQL's)."""
    return File(STATIC / "ui" / "favicon.svg", media_type="image/svg+xml",
                content_disposition_type="inline", headers={"Cache-Control": "max-age=86400"})


@get("/vendor/{name:str}", include_in_schema=False)
async def vendor(name: FromPath[str]) -> File:
    """A vendored library file; the big ones are stored gzip-compressed and sent as such."""
    files = {p.name: p for p in VENDOR.iterdir() if p.suffix in (".js", ".css", ".gz")}
    if name in files:
        path, headers = files[name], {}
    elif f"{name}.gz" in files:
        path, headers = files[f"{name}.gz"], {"Content-Encoding": "gzip"}
    else:
        raise NotFoundException(f"no vendored file {name}")
    media_type = _TYPES.get(Path(name).suffix, "application/octet-stream")
    return File(path, filename=name, media_type=media_type, content_disposition_type="inline",
                headers={**headers, "Cache-Control": "public, max-age=86400", "Vary":
                         "Accept-Encoding"})
