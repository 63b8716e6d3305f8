"""An ASGI app factory for process managers (`mpr serve --workers N`, uvicorn, gunicorn)."""

from __future__ import annotations

from litestar import Litestar

from mpr.bootstrap import build
from mpr.entrypoints.heap import keep_freed_heap
from mpr.entrypoints.web.app import create_app
from mpr.settings import load_settings


def app_factory() -> Litestar:
    """The app for the settings in the environment (each server process builds its own).
    Run it with `http="mpr.entrypoints.web.http_protocol:MprHttpProtocol"`, as `mpr serve`
    does, to receive uploads without uvicorn's per-read copies."""
    keep_freed_heap()
    return create_app(build(load_settings()))
