"""The `mpr` command: serve, worker, scan, db upgrade, version, user, token, upload."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from mpr import __version__
from mpr.domain.errors import MprError
from mpr.entrypoints.cli_access import add_commands as add_access_commands
from mpr.entrypoints.cli_upload import add_command as add_upload_command
from mpr.settings import Settings, SettingsError, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the command; errors are one clear line, exit 2."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(**_overrides(args))
        _configure_logging(settings.log_level)
        return int(args.run(settings, args) or 0)
    except (SettingsError, MprError) as e:
        print(f"mpr: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mpr", description="MPR, the Media Processor")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="serve the API and UI (and, embedded, the workers)")
    serve.add_argument("--host", help="address to bind (default MPR_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default MPR_PORT or 8000)")
    serve.add_argument("--workers", type=int, default=1,
                       help="API processes sharing the port (not in the embedded mode)")
    serve.set_defaults(run=_serve)
    worker = sub.add_parser("worker", help="run Dramatiq workers (needs MPR_REDIS_URL)")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=2)
    worker.set_defaults(run=_worker)
    sub.add_parser("scan", help="register new media in the input store").set_defaults(run=_scan)
    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply the migrations").set_defaults(run=_db_upgrade)
    sub.add_parser("version", help="print the version").set_defaults(run=_version)
    add_access_commands(sub)
    add_upload_command(sub)
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    return {k: v for k in ("host", "port") if (v := getattr(args, k, None)) is not None}


# uvicorn's httptools protocol without its copies of every read (see the module)
HTTP_PROTOCOL = "mpr.entrypoints.web.http_protocol:MprHttpProtocol"


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from mpr.bootstrap import build
    from mpr.entrypoints.heap import keep_freed_heap
    from mpr.entrypoints.web.app import create_app
    from mpr.entrypoints.web.graphql.limits import MAX_BODY_BYTES

    if args.workers > 1 and settings.is_embedded:
        raise SettingsError("--workers > 1 needs MPR_REDIS_URL (or MPR_EXECUTOR=lambda): in the "
                            "embedded mode the transcoding workers live in the one server")
    admin_note = asyncio.run(_first_admin(settings))
    base = f"http://{settings.host}:{settings.port}"
    print(f"MPR {__version__} serving on {base}\n  GraphiQL: {base}/graphql\n"
          f"  Health:   {base}/ready\n  Media in: {settings.media_in.resolve()}\n"
          f"  Admin:    {base}/admin/\n  Sign in:  {base}/login {admin_note}", flush=True)
    if args.workers > 1:
        os.environ.update(MPR_HOST=settings.host, MPR_PORT=str(settings.port))
        uvicorn.run("mpr.entrypoints.web.asgi:app_factory", factory=True, host=settings.host,
                    port=settings.port, workers=args.workers, log_level="warning",
                    ws_max_size=MAX_BODY_BYTES, proxy_headers=False, http=HTTP_PROTOCOL)
        return 0
    # ws_max_size: a WebSocket message (a subscription document) has the HTTP body's limit;
    # proxy_headers off: MPR_TRUSTED_PROXIES alone decides whose X-Forwarded-* count (uvicorn
    # would believe any local process's)
    keep_freed_heap()
    uvicorn.run(create_app(build(settings)), host=settings.host, port=settings.port,
                log_level="warning", ws_max_size=MAX_BODY_BYTES, proxy_headers=False,
                http=HTTP_PROTOCOL)
    return 0


async def _first_admin(settings: Settings) -> str:
    """The first admin (MPR_ADMIN_* or, on loopback, a generated password shown once)."""
    from mpr.application.first_start import ensure_first_admin
    from mpr.bootstrap import prepared

    password = settings.admin_password.get_secret_value() if settings.admin_password else None
    async with prepared(settings) as services:
        made = await ensure_first_admin(services.access.users, settings.admin_username,
                                        password, settings.binds_loopback)
    if made is None:
        return "(sign in as an admin user)"
    if made.password is None:
        return f"(user {made.username}, password from MPR_ADMIN_PASSWORD)"
    return (f"(first admin user {made.username}, password {made.password} - shown only now; "
            f"change it with `mpr user passwd {made.username}`)")


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from mpr.entrypoints.worker import run

    return run(settings, args.processes, args.threads)


def _scan(settings: Settings, _: argparse.Namespace) -> int:
    from mpr.bootstrap import prepared

    async def scan() -> None:
        async with prepared(settings) as services:
            result = await services.scan_media()
        presence = (f", missing {result.missing}, restored {result.restored}"
                    if result.missing or result.restored else "")
        print(f"found {result.found}, registered {result.registered}, skipped {result.skipped}"
              + presence)

    asyncio.run(scan())
    return 0


def _db_upgrade(settings: Settings, _: argparse.Namespace) -> int:
    from mpr.bootstrap import migrate_database

    asyncio.run(migrate_database(settings))
    print("database is at the latest migration")
    return 0


def _version(_: Settings, __: argparse.Namespace) -> int:
    print(f"mpr {__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
