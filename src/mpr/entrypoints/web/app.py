"""Assembles the Litestar application around a set of services."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from strawberry.litestar import make_graphql_controller

from mpr.bootstrap import Services
from mpr.entrypoints.web.graphql.context import context_getter
from mpr.entrypoints.web.graphql.schema import make_schema
from mpr.entrypoints.web.health import health, ready

log = logging.getLogger(__name__)


def create_app(services: Services, *, run_workers: bool | None = None) -> Litestar:
    """The web app; in embedded mode it also runs the workers unless told otherwise."""
    workers = services.settings.is_embedded if run_workers is None else run_workers

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await services.prepare()
        if workers:
            await services.start_embedded_workers()
        try:
            yield
        finally:
            await services.close()

    graphql = make_graphql_controller(make_schema(), path="/graphql",
                                      context_getter=context_getter)
    return Litestar(route_handlers=[graphql, health, ready], lifespan=[lifespan],
                    state=State({"services": services}))
