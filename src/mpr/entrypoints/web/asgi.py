"""An ASGI app factory for process managers (`mpr serve --workers N`, uvicorn, gunicorn)."""

from __future__ import annotations

from litestar import Litestar

from mpr.bootstrap import build
from mpr.entrypoints.web.app import create_app
from mpr.settings import load_settings


def app_factory() -> Litestar:
    """The app for the settings in the environment (each server process builds its own)."""
    return create_app(build(load_settings()))
