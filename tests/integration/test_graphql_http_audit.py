"""The GraphQL-over-HTTP audit suite of npm's graphql-http against a running `mpr serve`.

Needs Node and `npm ci --prefix tests/js` (the Makefile's install step does it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.server_fixtures import MprServer, running_server

JS = Path(__file__).resolve().parent.parent / "js"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    with running_server("audit", tmp_path_factory.mktemp("audit"),
                        {"MPR_SAMPLES": "false"}) as running:
        yield running


def audit(url: str) -> list[dict[str, str]]:
    node = shutil.which("node")
    assert node, "the graphql-http audit needs Node (20 or newer)"
    assert (JS / "node_modules" / "graphql-http").is_dir(), \
        "graphql-http is not installed: run `npm ci --prefix tests/js`"
    run = subprocess.run([node, str(JS / "audit.mjs"), url], capture_output=True, text=True,
                         timeout=120, check=True)
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_passes_every_must_and_should_audit_of_graphql_over_http(server: MprServer) -> None:
    results = audit(f"{server.base_url}/graphql")

    failed = [f"{r['name']}: {r['reason']}" for r in results if r["status"] in ("error", "warn")]
    assert len(results) > 50
    assert failed == []
