"""Clients for access-control tests: GraphQL over HTTP and over graphql-transport-ws, as any
principal, and a snapshot of everything a refused call must leave unchanged."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import connect

from tests.integration.server_fixtures import MprServer

SNAPSHOT = """query {
  assets(limit: 500) { id comments tags status }
  jobs(limit: 500) { id status }
  presets(limit: 500) { id name videoCrf }
  users { username role }
  tokens { name role }
}"""


def http_graphql_response(server: MprServer, token: str | None, query: str,
                          variables: dict[str, Any] | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=server.base_url, timeout=30, headers=headers) as client:
        return client.post("/graphql", json={"query": query, "variables": variables})


def http_graphql(server: MprServer, token: str | None, query: str,
                 variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body; 401 and 403 are how access control refuses a whole operation."""
    response = http_graphql_response(server, token, query, variables)
    assert response.status_code in (200, 401, 403), response.text
    body: dict[str, Any] = response.json()
    return body


async def ws_graphql(server: MprServer, payload: dict[str, Any] | None, query: str,
                     variables: dict[str, Any] | None = None, *, first_only: bool = True,
                     timeout: float = 30, cookie: str | None = None) -> list[dict[str, Any]]:
    """The messages one operation gets over graphql-transport-ws, up to complete or error."""
    url = server.base_url.replace("http://", "ws://") + "/graphql"
    headers = {"Cookie": cookie} if cookie else None
    async with connect(url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                       additional_headers=headers) as ws:
        init: dict[str, Any] = {"type": "connection_init"}
        if payload is not None:
            init["payload"] = payload
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": query, "variables": variables}}))
        messages: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while True:
                message = json.loads(await ws.recv())
                messages.append(message)
                if message["type"] in ("complete", "error"):
                    return messages
                if first_only and message["type"] == "next":
                    return messages


def ws_errors(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every GraphQL error in a list of graphql-transport-ws messages."""
    errors: list[dict[str, Any]] = []
    for message in messages:
        if message["type"] == "error":
            errors.extend(message["payload"])
        elif message["type"] == "next":
            errors.extend(message["payload"].get("errors") or [])
    return errors


def codes(errors: list[dict[str, Any]]) -> set[str]:
    return {(e.get("extensions") or {}).get("code", "") for e in errors}


def snapshot(server: MprServer, settle: float = 30) -> dict[str, Any]:
    """Everything a refused call must not change, as the admin sees it, once no job is
    pending or processing (allowed calls before may have started some)."""
    deadline = time.monotonic() + settle
    while True:
        state = server.data(SNAPSHOT)
        busy = [j for j in state["jobs"] if j["status"] in ("pending", "processing")]
        if not busy or time.monotonic() > deadline:
            return state
        time.sleep(0.1)
