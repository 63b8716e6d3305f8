"""Assembles the Litestar application around a set of services."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

from litestar import Litestar, Response
from litestar.background_tasks import BackgroundTasks
from litestar.datastructures import State
from litestar.di import Provide
from strawberry.litestar import make_graphql_controller

from mpr.application.recover_jobs import reconcile_interval
from mpr.bootstrap import Services
from mpr.domain.errors import MprError
from mpr.entrypoints.web.admin import admin_mount
from mpr.entrypoints.web.graphql.context import context_getter
from mpr.entrypoints.web.graphql.schema import make_schema
from mpr.entrypoints.web.health import health, ready
from mpr.entrypoints.web.timing import ServerTiming
from mpr.entrypoints.web.ui import offline_graphiql, ui_router

log = logging.getLogger(__name__)
C = TypeVar("C")


def create_app(services: Services, *, run_workers: bool | None = None) -> Litestar:
    """The web app; in embedded mode it also runs the workers unless told otherwise."""
    workers = services.settings.is_embedded if run_workers is None else run_workers

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await services.prepare()
        reconciler = None
        if workers:
            await services.start_embedded_workers()
            reconciler = asyncio.create_task(_reconcile_forever(services))
        try:
            yield
        finally:
            if reconciler is not None:
                reconciler.cancel()
            await services.close()

    graphql = offline_graphiql(_without_thread_hop(make_graphql_controller(
        make_schema(), path="/graphql", context_getter=context_getter)))
    return Litestar(route_handlers=[graphql, health, ready, ui_router(),
                                    admin_mount(services)], lifespan=[lifespan],
                    state=State({"services": services}), middleware=[ServerTiming])


async def _reconcile_forever(services: Services) -> None:
    """Embedded mode: requeue jobs whose in-process run went quiet; re-send pending ones
    (the in-process queue ignores jobs it already holds) about once a minute."""
    interval = reconcile_interval(services.settings.worker_heartbeat_timeout)
    for n in itertools.count(1):
        await asyncio.sleep(interval)
        try:
            await services.recover_jobs(redispatch_pending=n % max(1, int(60 / interval)) == 0)
        except MprError as e:
            log.warning("job recovery pass failed: %s", e)


def _without_thread_hop(controller: type[C]) -> type[C]:
    """Strawberry builds each request's empty Response in a worker thread; build it inline."""
    dependencies = {**getattr(controller, "dependencies", {}),
                    "response": Provide(_empty_response, sync_to_thread=False)}
    return type(controller.__name__, (controller,), {"dependencies": dependencies})


def _empty_response() -> Response[dict[str, object]]:
    return Response({}, background=BackgroundTasks([]))
