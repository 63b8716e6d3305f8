"""Assembles the Litestar application around a set of services."""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig

from mpr import __version__
from mpr.application.recover_jobs import reconcile_interval
from mpr.bootstrap import Services
from mpr.domain.errors import MprError
from mpr.entrypoints.web.admin import admin_mount
from mpr.entrypoints.web.callback import job_callback
from mpr.entrypoints.web.graphql.http import graphql_controller
from mpr.entrypoints.web.graphql.schema import make_schema
from mpr.entrypoints.web.health import health, ready
from mpr.entrypoints.web.host_origin import HostOriginCheck
from mpr.entrypoints.web.login import login, login_form, logout
from mpr.entrypoints.web.logs import logging_config
from mpr.entrypoints.web.security import security_headers
from mpr.entrypoints.web.timing import ServerTiming
from mpr.entrypoints.web.ui import ui_router
from mpr.entrypoints.web.uploads import uploads_router

log = logging.getLogger(__name__)

# Only the Timeline page and its static files (scripts and styles: about three quarters
# smaller in gzip) are compressed. The big vendored libraries are stored gzipped already
# (/vendor sends them as they are); media and packages are compressed already and answer
# byte ranges; uploads, GraphQL, the admin and the callback stay as they are, so no response
# that carries a secret next to reflected input is compressed (BREACH).
COMPRESSED_ONLY = r"^/(?!$|static/)"
COMPRESSION = CompressionConfig(backend="gzip", gzip_compress_level=6, minimum_size=1024,
                                exclude=COMPRESSED_ONLY)


def create_app(services: Services, *, run_workers: bool | None = None) -> Litestar:
    """The web app; in embedded mode it also runs the workers unless told otherwise."""
    workers = services.settings.is_embedded if run_workers is None else run_workers

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await services.prepare()
        follower = asyncio.create_task(services.follow_events(), name="mpr-events")
        reconciler = None
        sweeper = asyncio.create_task(_sweep_uploads_forever(services), name="sweep-uploads")
        if workers:
            await services.start_embedded_workers()
            reconciler = asyncio.create_task(_reconcile_forever(services), name="reconcile")
        elif services.reconcile_executions is not None:  # lambda mode
            reconciler = asyncio.create_task(services.reconcile_executions(),
                                             name="reconcile-executions")
        watcher = None
        if workers and services.settings.watch_enabled:
            watcher = asyncio.create_task(services.input_watch.run(), name="watch-input")
        # What start-up built (modules, schema, app, PyAV) lives as long as the process: out
        # of the collector's sight, a full collection takes ~0.1 ms instead of ~120 ms that
        # would stall every request, /health among them.
        gc.freeze()
        # Worker threads (boto3 calls, output probes, parsing) hand the interpreter lock back
        # to the event loop within 1 ms instead of 5: a request waits for it at every step.
        sys.setswitchinterval(0.001)
        try:
            yield
        finally:
            # stopped and awaited before the services close: none of them runs on a closed
            # engine or pool, and each one's clean-up (a lock released, a listener gone) ends
            background = [t for t in (sweeper, watcher, reconciler, follower) if t is not None]
            for task in background:
                task.cancel()
            for task, outcome in zip(background, await asyncio.gather(
                    *background, return_exceptions=True), strict=True):
                if isinstance(outcome, Exception):
                    log.error("background task %s ended with %r", task.get_name(), outcome)
            await services.close()
            log.info("stopped: %s ended, services closed",
                     ", ".join(task.get_name() for task in background))

    settings = services.settings
    openapi = OpenAPIConfig(title="MPR", version=__version__) if settings.openapi else None
    access_routes = [login_form, login, logout]
    hosts = DefineMiddleware(HostOriginCheck, allowed_hosts=settings.allowed_host_names)
    return Litestar(route_handlers=[graphql_controller(make_schema()), health, ready, ui_router(),
                                    admin_mount(services), *access_routes, uploads_router(),
                                    job_callback],
                    lifespan=[lifespan], state=State({"services": services}),
                    middleware=[hosts, ServerTiming],
                    before_send=[security_headers(settings)], openapi_config=openapi,
                    compression_config=COMPRESSION,
                    logging_config=logging_config(settings.log_level))


async def _reconcile_forever(services: Services) -> None:
    """Embedded mode: requeue jobs whose in-process run went quiet; re-send pending ones
    (the in-process queue ignores jobs it already holds) and sweep staging about once a
    minute."""
    interval = reconcile_interval(services.settings.worker_heartbeat_timeout)
    for n in itertools.count(1):
        await asyncio.sleep(interval)
        about_a_minute = n % max(1, int(60 / interval)) == 0
        try:
            await services.recover_jobs(redispatch_pending=about_a_minute)
            if about_a_minute:
                await services.sweep_staging()
        except MprError as e:
            log.warning("job recovery pass failed: %s", e)


async def _sweep_uploads_forever(services: Services) -> None:
    """Remove expired uploads, checking a few times per expiry period (at most every minute)."""
    interval = min(60.0, max(0.5, services.settings.upload_expiry / 4))
    while True:
        await asyncio.sleep(interval)
        try:
            await services.uploads.sweep()
        except MprError as e:
            log.warning("upload sweep failed: %s", e)
