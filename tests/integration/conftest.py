"""Fixtures for integration tests: real databases, ffmpeg, and a running MPR server."""

from __future__ import annotations

import pytest

from tests.integration.browser_fixtures import *  # noqa: F403
from tests.integration.db_fixtures import *  # noqa: F403 - fixtures are found by name
from tests.integration.lambda_fixtures import *  # noqa: F403
from tests.integration.s3_fixtures import *  # noqa: F403
from tests.integration.server_fixtures import *  # noqa: F403
from tests.integration.services import require_command
from tests.integration.storage_stores import *  # noqa: F403

# Modules whose assertions time the server (a push within 0.5 s, /health within 100 ms): they
# run alone, after the others, so that what they measure is MPR and not a neighbour's encode.
SERIAL_MODULES = {"test_events_push", "test_lambda_executor"}  # + "gone within 1 s" checks


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `serial` every test of a module that watches /health (health_kept) or is listed."""
    for item in items:
        module = getattr(item, "module", None)
        if module is None:
            continue
        if "health_kept" in vars(module) or module.__name__.rsplit(".", 1)[-1] in SERIAL_MODULES:
            item.add_marker(pytest.mark.serial)


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    return require_command("ffmpeg", "run `make test` (it installs ffmpeg) or apt install ffmpeg")


@pytest.fixture(scope="session")
def ffprobe() -> str:
    return require_command("ffprobe", "run `make test` (it installs ffmpeg) or apt install ffmpeg")
