"""The access matrix: every root GraphQL field, the media routes and the admin, for an
anonymous caller and a viewer, operator and admin token, over HTTP and WebSocket.

The fields come from the schema itself: a field added without a row in RULES fails
`test_every_root_field_has_a_rule`. A refused call must carry UNAUTHENTICATED (anonymous)
or FORBIDDEN, and change nothing; an allowed call must not be refused (it may still fail
for other reasons, such as a job in the wrong state)."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mpr.domain.identity import Role
from mpr.entrypoints.web.graphql.schema import make_schema
from tests.integration.access_clients import (
    codes,
    http_graphql,
    http_graphql_response,
    snapshot,
    ws_errors,
    ws_graphql,
)
from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer, running_server

REFUSALS = {"UNAUTHENTICATED", "FORBIDDEN"}
PRINCIPALS = ("anonymous", "viewer", "operator", "admin")
RANK = {"anonymous": -1, Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}
counter = itertools.count()


@dataclass
class World:
    server: MprServer
    tokens: dict[str, str | None]
    asset: str
    job: str
    preset: str
    clip: Path
    batch: str

    def fresh_preset(self) -> str:
        made = self.server.data("""mutation($n: String!) { createPreset(input: {name: $n,
            container: "mp4", videoCodec: "libx264", audioCodec: "aac"}) { id } }""",
                                {"n": f"victim-{next(counter)}"})
        return str(made["createPreset"]["id"])

    def fresh_user(self) -> str:
        name = f"victim{next(counter)}"
        self.server.data("""mutation($n: String!) { createUser(username: $n, role: "viewer",
            password: "a long victim password") { id } }""", {"n": name})
        return name

    def fresh_token(self) -> str:
        name = f"victim{next(counter)}"
        self.server.data("""mutation($n: String!) { createToken(name: $n, role: "viewer")
            { secret } }""", {"n": name})
        return name


Vars = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    role: Role
    document: str
    variables: Vars = lambda w: {}


RULES: dict[str, Rule] = {
    "assets": Rule(Role.VIEWER, "query { assets { id } }"),
    "asset": Rule(Role.VIEWER, "query($id: ID!) { asset(id: $id) { id } }",
                  lambda w: {"id": w.asset}),
    "jobs": Rule(Role.VIEWER, "query { jobs { id } }"),
    "job": Rule(Role.VIEWER, "query($id: ID!) { job(id: $id) { id } }", lambda w: {"id": w.job}),
    "presets": Rule(Role.VIEWER, "query { presets { id } }"),
    "preset": Rule(Role.VIEWER, "query($id: ID!) { preset(id: $id) { id } }",
                   lambda w: {"id": w.preset}),
    "systemStatus": Rule(Role.VIEWER, "query { systemStatus { status } }"),
    "me": Rule(Role.VIEWER, "query { me { name role } }"),
    "users": Rule(Role.ADMIN, "query { users { username } }"),
    "tokens": Rule(Role.ADMIN, "query { tokens { name } }"),
    "deletions": Rule(Role.ADMIN, "query { deletions { name } }"),
    "scanMediaFolder": Rule(Role.OPERATOR, "mutation { scanMediaFolder { found } }"),
    "waitingMedia": Rule(Role.OPERATOR, "query { waitingMedia { count names } }"),
    "createJob": Rule(Role.OPERATOR, """mutation($a: ID!) { createJob(input: {sourceAssetId: $a,
        trimStart: 0, trimEnd: 0.5}) { id } }""", lambda w: {"a": w.asset}),
    "createJobs": Rule(Role.OPERATOR, """mutation($a: ID!, $p: ID!) { createJobs(input: {
        presetId: $p, assetIds: [$a]}) { batchId } }""", lambda w: {"a": w.asset, "p": w.preset}),
    "batch": Rule(Role.VIEWER, "query($id: ID!) { batch(id: $id) { id progress } }",
                  lambda w: {"id": w.batch}),
    "cancelJob": Rule(Role.OPERATOR, "mutation($id: ID!) { cancelJob(id: $id) { id } }",
                      lambda w: {"id": w.job}),
    "retryJob": Rule(Role.OPERATOR, "mutation($id: ID!) { retryJob(id: $id) { id } }",
                     lambda w: {"id": w.job}),
    # the world's one job is completed: clearing the cancelled ones leaves it for the others
    "clearFinishedJobs": Rule(Role.OPERATOR,
                              'mutation { clearFinishedJobs(status: "cancelled") { removed } }'),
    "updateAsset": Rule(Role.OPERATOR, """mutation($id: ID!, $c: String!) {
        updateAsset(id: $id, input: {comments: $c}) { id } }""",
                        lambda w: {"id": w.asset, "c": f"note {next(counter)}"}),
    "deleteAsset": Rule(Role.ADMIN, "mutation($id: ID!) { deleteAsset(id: $id) { ok } }",
                        lambda w: {"id": str(uuid.uuid4())}),
    "createPreset": Rule(Role.OPERATOR, """mutation($n: String!) { createPreset(input: {
        name: $n, container: "mp4", videoCodec: "libx264", audioCodec: "aac"}) { id } }""",
                         lambda w: {"n": f"made-{next(counter)}"}),
    "updatePreset": Rule(Role.OPERATOR, """mutation($id: ID!) { updatePreset(id: $id,
        input: {videoCrf: 30}) { id } }""", lambda w: {"id": w.fresh_preset()}),
    "deletePreset": Rule(Role.OPERATOR, "mutation($id: ID!) { deletePreset(id: $id) { ok } }",
                         lambda w: {"id": w.fresh_preset()}),
    "createUser": Rule(Role.ADMIN, """mutation($n: String!) { createUser(username: $n,
        role: "admin", password: "a long enough password") { id } }""",
                       lambda w: {"n": f"made{next(counter)}"}),
    "updateUser": Rule(Role.ADMIN, """mutation($n: String!) { updateUser(username: $n,
        role: "admin") { role } }""", lambda w: {"n": w.fresh_user()}),
    "deleteUser": Rule(Role.ADMIN, "mutation($n: String!) { deleteUser(username: $n) { ok } }",
                       lambda w: {"n": w.fresh_user()}),
    "createToken": Rule(Role.ADMIN, """mutation($n: String!) { createToken(name: $n,
        role: "admin") { secret } }""", lambda w: {"n": f"made{next(counter)}"}),
    "revokeToken": Rule(Role.ADMIN, "mutation($n: String!) { revokeToken(name: $n) { ok } }",
                        lambda w: {"n": w.fresh_token()}),
    "jobUpdates": Rule(Role.VIEWER, "subscription($id: ID!) { jobUpdates(id: $id) { id } }",
                       lambda w: {"id": w.job}),
}


def root_fields() -> set[str]:
    schema = make_schema()._schema
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    return {name for root in roots if root is not None for name in root.fields}


def allowed(principal: str, rule: Rule) -> bool:
    return principal != "anonymous" and RANK[Role(principal)] >= RANK[rule.role]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("mpr-matrix")
    clip = make_clip(data_dir.parent / "matrix-clip.mp4", duration=1, width=160, height=90)
    with running_server("matrix", data_dir, {"MPR_SAMPLES": "false"}) as server:
        server.put_input("clip.mp4", clip)
        server.data("mutation { scanMediaFolder { found } }")
        asset = server.data("query { assets { id } }")["assets"][0]["id"]
        job = server.data("""mutation($a: ID!) { createJob(input: {sourceAssetId: $a}) { id } }""",
                          {"a": asset})["createJob"]["id"]
        server.wait_for_job(job)
        tokens: dict[str, str | None] = {"anonymous": None, "admin": server.token}
        for role in ("viewer", "operator"):
            tokens[role] = server.data("""mutation($n: String!, $r: String!) {
                createToken(name: $n, role: $r) { secret } }""", {"n": role, "r": role}
                                       )["createToken"]["secret"]
        preset = server.preset_ids()["h264-720p"]
        batch = server.data("""mutation($a: ID!, $p: ID!) { createJobs(input: {presetId: $p,
            assetIds: [$a]}) { batchId jobs { id } } }""", {"a": asset, "p": preset})
        server.wait_for_job(batch["createJobs"]["jobs"][0]["id"])
        yield World(server, tokens, asset, job, preset, clip, batch["createJobs"]["batchId"])


def test_every_root_field_has_a_rule() -> None:
    assert root_fields() == set(RULES), "a root field without an access rule (or a stale rule)"


# subscriptions run over WebSocket only (the next test); over HTTP they are refused
# with SUBSCRIPTION_NEEDS_WEBSOCKET whoever asks (test_e2e_hostile_web.py)
HTTP_FIELDS = sorted(f for f, r in RULES.items() if not r.document.startswith("subscription"))


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("field", HTTP_FIELDS)
def test_graphql_over_http_allows_or_refuses_as_the_roles_say(world: World, field: str,
                                                            principal: str) -> None:
    rule = RULES[field]
    variables = rule.variables(world)
    before = snapshot(world.server)

    response = http_graphql_response(world.server, world.tokens[principal], rule.document,
                                     variables)

    found = codes(response.json().get("errors") or [])
    assert_verdict(world, principal, rule, found, before)
    refused = 401 if principal == "anonymous" else 403
    assert response.status_code == (200 if allowed(principal, rule) else refused)


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("field", sorted(RULES))
def test_graphql_over_websocket_allows_or_refuses_as_the_roles_say(world: World, field: str,
                                                                 principal: str) -> None:
    rule = RULES[field]
    variables = rule.variables(world)
    token = world.tokens[principal]
    before = snapshot(world.server)

    messages = asyncio.run(ws_graphql(world.server, {"token": token} if token else None,
                                      rule.document, variables))

    assert_verdict(world, principal, rule, codes(ws_errors(messages)), before)


def assert_verdict(world: World, principal: str, rule: Rule, found: set[str],
                   before: dict[str, Any]) -> None:
    if allowed(principal, rule):
        assert not found & REFUSALS, f"{principal} was refused: {found}"
        return
    expected = "UNAUTHENTICATED" if principal == "anonymous" else "FORBIDDEN"
    assert found == {expected}
    assert snapshot(world.server) == before, "a refused call changed something"


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("route", ["/media/assets/{id}", "/media/assets/{id}?download=1",
                                   "/media/assets/{id}/thumbnail?t=0.2&w=160",
                                   "/media/assets/{id}/waveform.json"])
def test_media_routes_need_the_viewer_role(world: World, route: str, principal: str) -> None:
    token = world.tokens[principal]
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    response = httpx.get(world.server.base_url + route.format(id=world.asset), headers=headers)

    if principal == "anonymous":
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHENTICATED"
    else:
        assert response.status_code == 200


@pytest.mark.parametrize(("principal", "status"), [("anonymous", 303), ("viewer", 403),
                                                   ("operator", 403), ("admin", 200)])
def test_the_admin_is_for_admins_only(world: World, principal: str, status: int) -> None:
    token = world.tokens[principal]
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    response = httpx.get(world.server.base_url + "/admin/job-row/list", headers=headers)

    assert response.status_code == status
    if status == 303:
        assert response.headers["location"].startswith("/login")


def test_system_details_such_as_paths_are_for_admins(world: World) -> None:
    query = "query { systemStatus { components { name detail } } }"

    operator = http_graphql(world.server, world.tokens["operator"], query)
    admin = http_graphql(world.server, world.tokens["admin"], query)

    assert codes(operator["errors"]) == {"FORBIDDEN"}
    assert all(c["detail"] is None for c in operator["data"]["systemStatus"]["components"])
    assert "errors" not in admin
    assert all(c["detail"] for c in admin["data"]["systemStatus"]["components"])


def test_jobs_presets_and_deletions_name_who_did_them(world: World) -> None:
    operator = world.tokens["operator"]
    made = http_graphql(world.server, operator, """mutation { createPreset(input: {
        name: "by-operator", container: "mp4", videoCodec: "libx264", audioCodec: "aac"})
        { id } }""")["data"]["createPreset"]["id"]
    job = http_graphql(world.server, operator, """mutation($a: ID!) { createJob(input: {
        sourceAssetId: $a, trimStart: 0, trimEnd: 0.5}) { id createdBy } }""",
                       {"a": world.asset})["data"]["createJob"]

    http_graphql(world.server, operator, "mutation($id: ID!) { deletePreset(id: $id) { ok } }",
                 {"id": made})

    assert job["createdBy"] == "token:operator"
    stored = world.server.data("query($id: ID!) { job(id: $id) { createdBy } }",
                               {"id": job["id"]})["job"]
    assert stored["createdBy"] == "token:operator"
    deletions = world.server.data("query { deletions { kind name deletedBy } }")["deletions"]
    assert {"kind": "preset", "name": "by-operator", "deletedBy": "token:operator"} in deletions
    admin_page = httpx.get(world.server.base_url + "/admin/deletion-row/list",
                           headers={"Authorization": f"Bearer {world.tokens['admin']}"})
    assert "token:operator" in admin_page.text


def test_ready_shows_where_healthy_components_live_to_admins_only(world: World) -> None:
    anonymous = httpx.get(world.server.base_url + "/ready").json()
    admin = httpx.get(world.server.base_url + "/ready",
                      headers={"Authorization": f"Bearer {world.tokens['admin']}"}).json()

    assert all(c == {"ok": True} for c in anonymous["components"].values())
    assert "media/in" in admin["components"]["storage_in"]["detail"]
