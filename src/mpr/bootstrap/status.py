"""The system status use case wired with what each component is, as public pages show it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mpr import __version__
from mpr.application.system_status import SystemStatus
from mpr.settings import Settings


def system_status(settings: Settings, infra: Any) -> SystemStatus:
    """Health checks of the database, both stores and the queue, with their descriptions
    (infra: the root's Infrastructure container)."""
    checks = {"database": infra.database_health(), "storage_in": infra.input_storage(),
              "storage_out": infra.output_storage(), "queue": infra.queue()}
    details = {"database": _shown_database(settings),
               "storage_in": f"{settings.storage}: {_where(settings, 'in')}",
               "storage_out": f"{settings.storage}: {_where(settings, 'out')}",
               "queue": settings.queue_backend}
    if settings.executor == "lambda":
        details["queue"] = f"stepfunctions: {settings.sfn_state_machine_arn}"
        checks["callback"] = _Configured()
        secret = "MPR_CALLBACK_SECRET_ARN" if settings.callback_secret_arn and \
            not settings.callback_secret else "MPR_CALLBACK_SECRET"
        details["callback"] = (f"{settings.callback_url}/api/jobs/{{id}}/callback, "
                               f"signed with {secret}")
    return SystemStatus(checks, infra.queue(), __version__, settings.executor, details)


def _where(settings: Settings, side: str) -> str:
    if settings.storage == "s3":
        return settings.s3_bucket_in if side == "in" else settings.s3_bucket_out
    return _shown_path(settings, settings.media_in if side == "in" else settings.media_out)


def _shown_path(settings: Settings, path: Path) -> str:
    """A path as status pages show it (they are public): under the data dir, or its name."""
    try:
        return str("<data dir>" / path.resolve().relative_to(settings.data_dir.resolve()))
    except ValueError:
        return path.name


def _shown_database(settings: Settings) -> str:
    url = _redacted_url(settings.resolved_database_url)
    scheme, file_url, file = url.partition(":///")
    return f"{scheme}: {_shown_path(settings, Path(file))}" if file_url and file else url


def _redacted_url(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


class _Configured:
    """A component that is a setting: checked at start, so it is fine while the process runs."""

    async def check(self) -> None:
        return None
