"""Hostile HTTP and GraphQL clients against a running `mpr serve` (filesystem store, SQLite).

Each attack is refused at once with a clear error and a code, changes nothing, and /health
keeps answering within 100 ms while it runs (issue 11, items 6, 12, 13 and 14).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from graphql import get_introspection_query
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.integration.health_watch import health_kept
from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer, running_server

GRAPHQL_RESPONSE = "application/graphql-response+json"
STATE = "query { assets { id filePath comments tags } jobs { id status } presets { id name } }"
FAST = 1.0  # seconds: a refusal takes no longer than this, whatever the document's size
ATTACK_SECONDS = 0.5  # an attack repeats at least this long, so /health is polled meanwhile
# Between rounds: the attack is the document, not the request rate (a flood of even
# `{ __typename }` fills one event loop; see bench/hostile.py's baseline).
ROUND_PAUSE = 0.01
T = TypeVar("T")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    """A server with one scanned clip in its filesystem store."""
    data_dir = tmp_path_factory.mktemp("hostile-web")
    make_clip(data_dir / "media" / "in" / "clip.mp4", duration=1, width=160, height=90)
    with running_server("hostile-web", data_dir, {"MPR_SAMPLES": "false"}) as running:
        running.data("mutation { scanMediaFolder { registered } }")
        yield running


@pytest.fixture
def unchanged(server: MprServer) -> Iterator[None]:
    """The test leaves the catalogue and the stored files as it found them."""
    before = server.data(STATE), _files(server.data_dir)
    yield
    assert (server.data(STATE), _files(server.data_dir)) == before


def repeated(server: MprServer, attack: Callable[[], T], clients: int = 1) -> list[T]:
    """Run the attack from `clients` threads, again and again for ATTACK_SECONDS, while
    health_kept watches /health; every answer."""
    with health_kept(server.base_url) as watch, ThreadPoolExecutor(clients) as pool:
        deadline = time.monotonic() + 2
        while not watch.latencies and time.monotonic() < deadline:
            time.sleep(0.01)
        answers: list[T] = []
        until = time.monotonic() + ATTACK_SECONDS
        while time.monotonic() < until:
            answers += pool.map(lambda _: attack(), range(clients))
            time.sleep(ROUND_PAUSE)
    return answers


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in (root / "media").rglob("*")
            if p.is_file()}


def post(server: MprServer, body: bytes | str, accept: str = "application/json",
         timeout: float = 30) -> tuple[httpx.Response, float]:
    """POST raw bytes to /graphql; the response and how long it took."""
    started = time.perf_counter()
    response = server.client.post("/graphql", content=body, timeout=timeout, headers={
        "content-type": "application/json", "accept": accept})
    return response, time.perf_counter() - started


def document(query: str, variables: str = "null") -> str:
    return f'{{"query": {json.dumps(query)}, "variables": {variables}}}'


def only_code(response: httpx.Response) -> str:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    code: str = errors[0]["extensions"]["code"]
    return code


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


# Item 6: one request freezes everything.

def test_a_7_mb_alias_bomb_is_refused_with_413_before_it_is_read(
        server: MprServer, unchanged: None) -> None:
    bomb = document("{ " + " ".join(f"a{i}: __typename" for i in range(400_000)) + " }")
    rss = resident_mb(server.pid)

    answers = repeated(server, lambda: post(server, bomb))

    assert {(r.status_code, only_code(r)) for r, _ in answers} == {(413, "REQUEST_TOO_LARGE")}
    assert max(took for _, took in answers) < FAST
    assert resident_mb(server.pid) - rss < 20


@pytest.mark.parametrize(("query", "code"), [
    ("{ " + "__typename " * 20_000 + "}", "GRAPHQL_PARSE_FAILED"),  # 200 KB: over 1,000 tokens
    ("{ " + " ".join(f"a{i}: __typename" for i in range(100)) + " }", "QUERY_TOO_COMPLEX"),
    ("query { ...F0 }\n" + "\n".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}"
                                      for i in range(60)) + "\nfragment F60 on Query { id }",
     "QUERY_TOO_COMPLEX"),  # 2**60 fields from 60 fragments
    ("{ __schema { types { fields { type { ofType { fields { args { name } } } } } } } }",
     "QUERY_TOO_COMPLEX"),  # lists within lists: every field of every field's type
    ("{ " + " ".join(f"a{i}: assets(limit: 500) {{ id filePath tags }}" for i in range(20))
     + " }", "QUERY_TOO_COMPLEX"),  # 20 pages of 500: an answer of 130,000 values
], ids=["tokens", "aliases", "fragment-fan-out", "nested-lists", "values"])
def test_documents_over_the_limits_are_refused_at_once_again_and_again(
        server: MprServer, unchanged: None, query: str, code: str) -> None:
    body = document(query)

    # one client, as the attacker: a flood of many clients is a matter of rate
    # limits, and bench/hostile.py measures /health under 4 clients of the largest documents
    answers = repeated(server, lambda: post(server, body))

    assert {(r.status_code, only_code(r)) for r, _ in answers} == {(200, code)}
    assert max(took for _, took in answers) < FAST


def test_a_websocket_message_over_the_body_limit_closes_the_connection(
        server: MprServer, unchanged: None) -> None:
    url = server.base_url.replace("http", "ws") + "/graphql"
    subscribe = json.dumps({"id": "1", "type": "subscribe", "payload": {
        "query": "subscription { " + " ".join(f"a{i}: __typename" for i in range(40_000)) + " }"}})

    def attack() -> int | None:
        with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(ws.recv(5))["type"] == "connection_ack"
            ws.send(subscribe)
            try:
                ws.recv(5)
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    assert set(repeated(server, attack)) == {1009}  # message too big


def test_graphiqls_introspection_query_is_within_the_limits(server: MprServer) -> None:
    query = get_introspection_query(descriptions=True, specified_by_url=True,
                                    directive_is_repeatable=True, schema_description=True,
                                    input_value_deprecation=True)

    schema = server.data(query)["__schema"]

    assert schema["queryType"]["name"] == "Query"


# Item 12: bad variables are the client's error, not the server's.

@pytest.mark.parametrize("variables", [
    '{"limit": NaN}', '{"limit": Infinity}', '{"limit": 2147483648}', '{"limit": "ten"}',
    '{"limit": null}', "{}", '{"limit": [1]}',
], ids=["nan", "infinity", "int-2^31", "string", "null", "missing", "list"])
def test_variables_that_do_not_coerce_are_bad_user_input_without_a_traceback(
        server: MprServer, unchanged: None, variables: str) -> None:
    body = document("query ($limit: Int!) { presets(limit: $limit) { id } }", variables)
    log_size = server.log_path.stat().st_size

    response, _ = repeated(server, lambda: post(server, body))[-1]

    assert response.status_code == 200
    assert only_code(response) == "BAD_USER_INPUT"
    assert response.json()["errors"][0]["message"].startswith("Variable '$limit'")
    logged = server.log_path.read_bytes()[log_size:].decode()
    assert "Traceback" not in logged
    assert "ERROR" not in logged


def test_a_subscription_over_plain_http_is_refused_with_a_code(server: MprServer,
                                                               unchanged: None) -> None:
    body = document('subscription { jobUpdates(id: "00000000-0000-0000-0000-000000000000") '
                    "{ id } }")

    response, _ = repeated(server, lambda: post(server, body))[-1]

    assert only_code(response) == "SUBSCRIPTION_NEEDS_WEBSOCKET"
    assert "WebSocket" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("query", "code"), [
    ("{ presets(limit: ) { id } }", "GRAPHQL_PARSE_FAILED"),
    ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED"),
])
def test_request_errors_are_400_for_clients_of_the_graphql_response_type(
        server: MprServer, query: str, code: str) -> None:
    legacy, _ = post(server, document(query))
    modern, _ = post(server, document(query), accept=GRAPHQL_RESPONSE)

    assert (legacy.status_code, legacy.headers["content-type"]) == (200, "application/json")
    assert (modern.status_code, modern.headers["content-type"]) == (400, GRAPHQL_RESPONSE)
    assert "data" not in modern.json()
    assert only_code(modern) == only_code(legacy) == code


# Item 13: a Range header with a number too long to convert.

def test_a_range_with_a_5000_digit_start_is_416(server: MprServer, unchanged: None) -> None:
    asset = server.data("query { assets { id } }")["assets"][0]["id"]
    size = (server.media_in / "clip.mp4").stat().st_size

    response = repeated(server, lambda: server.client.get(
        f"/media/assets/{asset}", headers={"range": f"bytes={'9' * 5000}-"}))[-1]

    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"


# Item 14: security headers, no OpenAPI by default, no server paths.

@pytest.mark.parametrize(("method", "path", "accept"), [
    ("GET", "/", "text/html"), ("GET", "/graphql", "text/html"),
    ("POST", "/graphql", "application/json"), ("GET", "/health", "*/*"),
    ("GET", "/ready", "*/*"), ("GET", "/static/ui/app.css", "*/*"),
    ("GET", "/admin/login", "text/html"), ("GET", "/no/such/page", "*/*"),
    ("GET", "/media/assets/not-an-id", "*/*"),
])
def test_every_response_carries_the_security_headers(server: MprServer, method: str,
                                                     path: str, accept: str) -> None:
    response = server.client.request(method, path, headers={"accept": accept},
                                     json={"query": "{ __typename }"} if method == "POST"
                                     else None)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy.split("script-src ")[1].split(";")[0]


def test_the_openapi_schema_is_off_by_default(server: MprServer) -> None:
    assert server.client.get("/schema").status_code == 404
    assert server.client.get("/schema/openapi.json").status_code == 404


def test_the_openapi_schema_is_served_when_the_setting_turns_it_on(
        tmp_path: Path) -> None:
    env = {"MPR_SAMPLES": "false", "MPR_OPENAPI": "true"}
    with running_server("openapi", tmp_path / "data", env) as running:
        response = running.client.get("/schema/openapi.json")

    assert response.status_code == 200
    assert "/health" in response.json()["paths"]


def test_status_pages_show_no_absolute_path(server: MprServer) -> None:
    status: dict[str, Any] = server.data(
        "query { systemStatus { components { name detail } } }")["systemStatus"]
    ready = server.client.get("/ready").text

    shown = json.dumps(status) + ready
    assert str(server.data_dir) not in shown
    assert "<data dir>/media/in" in shown
