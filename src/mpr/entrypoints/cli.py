"""The `mpr` command: serve, worker, scan, db upgrade, version."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
from collections.abc import Sequence

from pydantic import SecretStr

from mpr import __version__
from mpr.domain.errors import MprError
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
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    return {k: v for k in ("host", "port") if (v := getattr(args, k, None)) is not None}


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from mpr.bootstrap import build
    from mpr.entrypoints.web.app import create_app

    if args.workers > 1 and settings.is_embedded:
        raise SettingsError("--workers > 1 needs MPR_REDIS_URL (or MPR_EXECUTOR=lambda): in the "
                            "embedded mode the transcoding workers live in the one server")
    settings, admin_note = _admin_password(settings)
    base = f"http://{settings.host}:{settings.port}"
    print(f"MPR {__version__} serving on {base}\n  GraphiQL: {base}/graphql\n"
          f"  Health:   {base}/ready\n  Media in: {settings.media_in.resolve()}\n"
          f"  Admin:    {base}/admin/ {admin_note}", flush=True)
    if args.workers > 1:
        asyncio.run(_prepare_once(settings))
        os.environ.update(MPR_HOST=settings.host, MPR_PORT=str(settings.port))
        uvicorn.run("mpr.entrypoints.web.asgi:app_factory", factory=True, host=settings.host,
                    port=settings.port, workers=args.workers, log_level="warning")
        return 0
    uvicorn.run(create_app(build(settings)), host=settings.host, port=settings.port,
                log_level="warning")
    return 0


async def _prepare_once(settings: Settings) -> None:
    """Migrate and seed before the API processes start, so they do not race to do it."""
    from mpr.bootstrap import prepared

    async with prepared(settings):
        pass


def _admin_password(settings: Settings) -> tuple[Settings, str]:
    """Embedded default without MPR_ADMIN_PASSWORD: a password for this run, printed once."""
    user = settings.admin_username
    if settings.admin_password is not None:
        if settings.admin_password.get_secret_value():
            return settings, f"(user {user})"
        return settings, "(disabled: MPR_ADMIN_PASSWORD is empty)"
    if not settings.is_embedded:
        return settings, "(disabled: set MPR_ADMIN_PASSWORD to enable it)"
    password = secrets.token_urlsafe(12)
    note = f"(user {user}, password {password} for this run; set MPR_ADMIN_PASSWORD to keep one)"
    return settings.model_copy(update={"admin_password": SecretStr(password)}), note


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from mpr.entrypoints.worker import run

    return run(settings, args.processes, args.threads)


def _scan(settings: Settings, _: argparse.Namespace) -> int:
    from mpr.bootstrap import prepared

    async def scan() -> None:
        async with prepared(settings) as services:
            result = await services.scan_media()
        print(f"found {result.found}, registered {result.registered}, skipped {result.skipped}")

    asyncio.run(scan())
    return 0


def _db_upgrade(settings: Settings, _: argparse.Namespace) -> int:
    from mpr.adapters.sqlalchemy import migrate

    asyncio.run(migrate.upgrade(settings.resolved_database_url))
    print("database is at the latest migration")
    return 0


def _version(_: Settings, __: argparse.Namespace) -> int:
    print(f"mpr {__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
