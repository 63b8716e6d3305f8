"""Twenty jobUpdates subscribers of one job on a running `mpr serve`: subscribers sharing a
document share its execution (ws_fanout.py), those with other documents, roles or the
legacy graphql-ws protocol get their own, and every one of them gets every change. A token
revoked midway ends its own subscription with UNAUTHENTICATED within seconds; the others of
its group, and everyone else, keep receiving until the job completes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.integration.access_clients import codes
from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer, running_server

FIELDS = "status progress updatedAt"
BY_VARIABLE = f"subscription ($id: ID!) {{ jobUpdates(id: $id) {{ {FIELDS} }} }}"
ALIASED = f"subscription Watch($id: ID!) {{ job: jobUpdates(id: $id) {{ id {FIELDS} }} }}"
REFUSAL_BOUND = 5.0  # RECHECK_SECONDS + FRESH, with room for a busy host


@dataclass
class Follower:
    """One subscription and what it received, each update stamped on arrival."""

    token: str
    query: str
    variables: dict[str, Any] | None
    key: str = "jobUpdates"
    legacy: bool = False  # graphql-ws (the resolver path) instead of graphql-transport-ws
    updates: list[tuple[str, float, str, float]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    last: str = ""
    ended_at: float = 0.0
    third: asyncio.Event = field(default_factory=asyncio.Event)  # set on the third update

    def seen(self, since: str) -> list[tuple[str, float, str]]:
        return [(s, p, u) for s, p, u, _ in self.updates if u >= since]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Iterator[MprServer]:
    data_dir = tmp_path_factory.mktemp("mpr-fanout")
    make_clip(data_dir / "media" / "in" / "long.mp4", duration=14, width=160, height=120)
    paced = data_dir / "ffmpeg-paced"  # the job lasts as long as its media: progress to see
    paced.write_text(f'#!/bin/sh\nexec "{ffmpeg}" -re "$@"\n')
    paced.chmod(0o755)
    env = {"MPR_SAMPLES": "false", "MPR_FFMPEG": str(paced), "MPR_WORKER_CONCURRENCY": "1"}
    with running_server("fanout", data_dir, env) as running:
        running.data("mutation { scanMediaFolder { found } }")
        yield running


async def follow(server: MprServer, followers: list[Follower]) -> None:
    """All `followers` on one WebSocket (they share its token), until each one ends."""
    url = server.base_url.replace("http://", "ws://") + "/graphql"
    legacy = followers[0].legacy
    protocol = "graphql-ws" if legacy else "graphql-transport-ws"
    async with connect(url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"token": followers[0].token}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        for n, f in enumerate(followers):
            await ws.send(json.dumps({"id": str(n), "type": "start" if legacy else "subscribe",
                                      "payload": {"query": f.query, "variables": f.variables}}))
        open_ = set(range(len(followers)))
        while open_:
            message = json.loads(await ws.recv())
            if message["type"] == "ka":
                continue
            n = int(message["id"])
            record(followers[n], message)
            if followers[n].last in ("complete", "error"):
                open_.discard(n)


def record(f: Follower, message: dict[str, Any]) -> None:
    f.last, f.ended_at = message["type"], time.monotonic()
    if message["type"] == "error":
        f.errors.extend(message["payload"])
    elif message["type"] in ("next", "data"):
        f.errors.extend(message["payload"].get("errors") or [])
        job = (message["payload"].get("data") or {}).get(f.key)
        if job is not None:
            f.updates.append((job["status"], job["progress"], job["updatedAt"],
                              time.monotonic()))
        if len(f.updates) >= 3:
            f.third.set()


def new_token(server: MprServer, name: str, role: str) -> str:
    secret: str = server.data(f'mutation {{ createToken(name: "{name}", role: "{role}") '
                              "{ secret } }")["createToken"]["secret"]
    return secret


async def watch_and_revoke(server: MprServer, groups: list[list[Follower]], gone: Follower,
                           kept: Follower) -> float:
    """Every group follows the job; once `kept` has had three updates, `gone`'s token is
    revoked. When the revocation was answered."""
    running = [asyncio.create_task(follow(server, g)) for g in groups]
    async with asyncio.timeout(60):
        await kept.third.wait()
        await asyncio.to_thread(server.data, 'mutation { revokeToken(name: "fanout-gone") '
                                             "{ ok } }")
        revoked_at = time.monotonic()
        await asyncio.gather(*running)
    return revoked_at


def test_twenty_subscribers_get_every_change_and_a_revoked_one_alone_is_ended(
        server: MprServer) -> None:
    [asset] = server.data("query { assets { id } }")["assets"]
    job = server.data("mutation ($a: ID!) { createJob(input: {sourceAssetId: $a}) { id } }",
                      {"a": asset["id"]})["createJob"]["id"]
    literal = BY_VARIABLE.replace("($id: ID!) ", "").replace("$id", json.dumps(job))
    viewer_gone = new_token(server, "fanout-gone", "viewer")
    viewer_kept = new_token(server, "fanout-kept", "viewer")
    ids = {"id": job}
    gone = Follower(viewer_gone, BY_VARIABLE, ids)
    kept = [Follower(viewer_kept, BY_VARIABLE, ids) for _ in range(3)]  # gone's group
    admins = [Follower(server.token, BY_VARIABLE, ids) for _ in range(10)]
    aliased = [Follower(server.token, ALIASED, ids, key="job") for _ in range(3)]
    literals = [Follower(server.token, literal, None) for _ in range(2)]
    legacy = Follower(server.token, BY_VARIABLE, ids, legacy=True)
    groups = [[gone], kept[:2], [kept[2]], *([a] for a in admins[:8]), admins[8:], aliased,
              literals, [legacy]]
    everyone = [f for g in groups for f in g]

    revoked_at = asyncio.run(watch_and_revoke(server, groups, gone, kept[0]))

    others = [f for f in everyone if f is not gone]
    assert len(everyone) == 20
    since = max(f.updates[0][2] for f in others)  # every subscriber was following by then
    reference = legacy.seen(since)
    assert reference[-1][0] == "completed"
    assert len([u for u in reference if u[0] == "processing"]) >= 5
    assert [f.seen(since) for f in others] == [reference] * len(others)
    assert all(f.last == "complete" and f.errors == [] for f in others)
    assert gone.updates
    assert gone.last in ("complete", "error")
    assert codes(gone.errors) == {"UNAUTHENTICATED"}
    assert gone.ended_at - revoked_at < REFUSAL_BOUND
    assert all(f.updates[-1][3] > gone.ended_at for f in others)  # they kept receiving
    assert server.job(job)["status"] == "completed"


def test_a_subscriber_without_a_token_is_refused_and_a_malformed_document_is_an_error(
        server: MprServer) -> None:
    bad = "subscription ($id: ID!) { jobUpdates(id: $id) { noSuchField } }"
    anonymous = Follower("", BY_VARIABLE, {"id": "00000000-0000-0000-0000-000000000000"})
    malformed = Follower(server.token, bad, {"id": "00000000-0000-0000-0000-000000000000"})

    async def both() -> None:
        await asyncio.gather(follow(server, [anonymous]), follow(server, [malformed]))

    asyncio.run(asyncio.wait_for(both(), 30))

    assert codes(anonymous.errors) == {"UNAUTHENTICATED"}
    assert malformed.last == "error"
    assert codes(malformed.errors) == {"GRAPHQL_VALIDATION_FAILED"}


def test_an_unknown_job_ends_every_subscriber_of_it_with_not_found(server: MprServer) -> None:
    unknown = {"id": "00000000-0000-0000-0000-000000000000"}
    followers = [Follower(server.token, BY_VARIABLE, unknown) for _ in range(5)]

    asyncio.run(asyncio.wait_for(follow(server, followers), 30))

    assert all(codes(f.errors) == {"NOT_FOUND"} and f.last == "complete" for f in followers)
    assert all(f.updates == [] for f in followers)
