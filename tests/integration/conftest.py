"""Fixtures for integration tests: real databases, ffmpeg, and a running MPR server."""

from __future__ import annotations

import pytest

from tests.integration.browser_fixtures import *  # noqa: F403
from tests.integration.db_fixtures import *  # noqa: F403 - fixtures are found by name
from tests.integration.s3_fixtures import *  # noqa: F403
from tests.integration.server_fixtures import *  # noqa: F403
from tests.integration.services import require_command


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    return require_command("ffmpeg", "run `make test` (it installs ffmpeg) or apt install ffmpeg")


@pytest.fixture(scope="session")
def ffprobe() -> str:
    return require_command("ffprobe", "run `make test` (it installs ffmpeg) or apt install ffmpeg")
