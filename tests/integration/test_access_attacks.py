"""Attacks on access control against a running `mpr serve`: DNS rebinding, cross-site
requests against the GraphQL API and the admin, password guessing, stale and forged
cookies, revoked and expired tokens (also on an open WebSocket), secrets at rest."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from itsdangerous import TimestampSigner
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.integration.access_clients import (
    codes,
    http_graphql,
    http_graphql_response,
    snapshot,
    ws_errors,
    ws_graphql,
)
from tests.integration.cli_runner import mpr
from tests.integration.health_watch import health_kept
from tests.integration.media import make_clip
from tests.integration.server_fixtures import MprServer, running_server

ADMIN, PASSWORD = "admin", "the admin's long password"
LOCKOUT = 3.0
EVIL = "https://evil.example"
ROUNDS = 20  # each quick attack is repeated so /health is polled while it runs
ME = "query { me { name } }"
UPDATES = "subscription($id: ID!) { jobUpdates(id: $id) { id status progress } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    data_dir = tmp_path_factory.mktemp("mpr-attacks")
    make_clip(data_dir / "media" / "in" / "clip.mp4", duration=1, width=160, height=90)
    make_clip(data_dir / "media" / "in" / "long.mp4", duration=60, width=640, height=360)
    env = {"MPR_SAMPLES": "false", "MPR_ADMIN_USERNAME": ADMIN, "MPR_ADMIN_PASSWORD": PASSWORD,
           "MPR_TRUSTED_PROXIES": "127.0.0.1", "MPR_LOGIN_LOCKOUT": str(LOCKOUT),
           "MPR_WORKER_CONCURRENCY": "1"}
    with running_server("attacks", data_dir, env) as running:
        running.data("mutation { scanMediaFolder { found } }")
        yield running


@pytest.fixture(scope="module")
def cancelled_job(server: MprServer) -> str:
    asset = next(a["id"] for a in server.data("query { assets { id filename } }")["assets"]
                 if a["filename"] == "clip.mp4")
    job = server.data("mutation($a: ID!) { createJob(input: {sourceAssetId: $a}) { id } }",
                      {"a": asset})["createJob"]["id"]
    server.wait_for_job(job)
    server.data("mutation($id: ID!) { deleteAsset(id: $id) { ok } }",
                {"id": server.job(job)["outputAssetId"]})
    return str(job)


def browser(server: MprServer, forwarded_for: str | None = None) -> httpx.Client:
    """A cookie-keeping client without the fixture's token, as a browser would be."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=30)


def log_in(client: httpx.Client, password: str = PASSWORD, user: str = ADMIN) -> httpx.Response:
    return client.post("/login", data={"username": user, "password": password, "next": "/"})


def make_admin(server: MprServer, name: str) -> str:
    """A fresh admin user (so one test's lockout does not touch another's account)."""
    server.data("""mutation($n: String!, $p: String!) { createUser(username: $n, role: "admin",
        password: $p) { id } }""", {"n": name, "p": PASSWORD})
    return name


def test_a_foreign_host_is_refused_dns_rebinding(server: MprServer) -> None:
    before = snapshot(server)
    rebound = {"Host": "rebind.attacker.example"}

    with health_kept(server.base_url):
        for _ in range(ROUNDS):
            query = server.client.post("/graphql", headers=rebound,
                                       json={"query": "mutation { scanMediaFolder { found } }"})
            page = httpx.get(server.base_url + "/", headers=rebound)
            with pytest.raises(InvalidStatus) as socket:
                asyncio.run(_open_ws(server, {"Host": "rebind.attacker.example:80"}))

    assert (query.status_code, page.status_code) == (400, 400)
    assert query.json()["code"] == "BAD_HOST"
    assert socket.value.response.status_code == 403
    assert snapshot(server) == before
    for host in ("localhost", "127.0.0.1"):
        port = server.base_url.rsplit(":", 1)[1]
        assert httpx.get(server.base_url + "/health",
                         headers={"Host": f"{host}:{port}"}).status_code == 200


async def _open_ws(server: MprServer, headers: dict[str, str]) -> None:
    url = server.base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                       additional_headers=headers):
        pass


def test_a_foreign_origin_cannot_use_the_signed_in_browsers_session(server: MprServer
                                                                   ) -> None:
    with browser(server) as victim:
        log_in(victim, user=make_admin(server, "origin-victim"))
        cookie = f"mpr_session={victim.cookies['mpr_session']}"
        before = snapshot(server)

        with health_kept(server.base_url):
            for _ in range(ROUNDS):
                post = victim.post("/graphql", headers={"Origin": EVIL},
                                   json={"query": "mutation { scanMediaFolder { found } }"})
                with pytest.raises(InvalidStatus) as socket:
                    asyncio.run(_open_ws(server, {"Origin": EVIL, "Cookie": cookie}))
        same_site = victim.post("/graphql", headers={"Origin": server.base_url},
                                json={"query": ME})

    assert post.status_code == 403
    assert socket.value.response.status_code == 403
    assert snapshot(server) == before
    assert same_site.json()["data"]["me"]["name"] == "origin-victim"


def _csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="csrf-token" content="([0-9a-f]{64})"', page.text)
    assert match is not None, page.text[:500]
    return match[1]


def test_cross_site_form_posts_and_img_gets_against_the_admin_change_nothing(
        server: MprServer, cancelled_job: str) -> None:
    action = f"/admin/job-row/action/retry?pks={cancelled_job}"
    with browser(server) as victim:
        log_in(victim, user=make_admin(server, "csrf-victim"))

        with health_kept(server.base_url):
            for _ in range(ROUNDS):
                cross_site = victim.post(action, headers={"Origin": EVIL},
                                         data={"pks": cancelled_job})
                no_token = victim.post(action, data={"pks": cancelled_job})
                img = victim.get(action, headers={"Sec-Fetch-Dest": "image"})
        untouched = server.job(cancelled_job)["status"]
        token = _csrf(victim, f"/admin/job-row/details/{cancelled_job}")
        real = victim.post(action, headers={"Origin": server.base_url},
                           data={"pks": cancelled_job, "csrf_token": token})

    assert (cross_site.status_code, no_token.status_code, img.status_code) == (403, 403, 405)
    assert untouched == "completed"
    assert real.status_code == 302  # the admin's own form, with its token, is obeyed


def test_admin_pages_cannot_be_framed(server: MprServer) -> None:
    with browser(server) as admin:
        log_in(admin, user=make_admin(server, "framed"))
        page = admin.get("/admin/job-row/list")
        timeline = admin.get("/")

    for response in (page, timeline):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_fifty_wrong_passwords_lock_the_account_and_client_not_the_user_for_longer(
        server: MprServer) -> None:
    target = make_admin(server, "guessed")
    with browser(server, "10.9.9.9") as attacker, health_kept(server.base_url):
        guesses = [log_in(attacker, f"guess number {n}", target) for n in range(50)]
        right_from_attacker = log_in(attacker, user=target)
    locked_at = time.monotonic()

    with browser(server, "10.1.1.1") as user:
        during = log_in(user, user=target)
        while (after := log_in(user, user=target)).status_code != 303:
            assert time.monotonic() - locked_at < LOCKOUT + 2, "locked out longer than policy"
            time.sleep(0.2)

    assert {g.status_code for g in guesses} == {401}
    assert len({re.search(r'role="alert">([^<]*)<', g.text)[1] for g in guesses}) == 1  # type: ignore[index]
    assert right_from_attacker.status_code == 401
    assert during.status_code == 401
    assert after.status_code == 303
    assert "login locked" in server.log_path.read_text()


def test_a_cookie_kept_after_logout_is_refused(server: MprServer) -> None:
    with browser(server, "10.2.2.2") as client:
        log_in(client, user=make_admin(server, "leaving"))
        kept = client.cookies["mpr_session"]
        assert client.post("/graphql", json={"query": ME}).json()["data"]["me"]["name"] == "leaving"
        out = client.post("/logout", headers={"Origin": server.base_url})

    replay = httpx.post(server.base_url + "/graphql", json={"query": ME},
                        cookies={"mpr_session": kept})
    page = httpx.get(server.base_url + "/admin/", cookies={"mpr_session": kept})

    assert out.status_code == 303
    assert replay.status_code == 401
    assert codes(replay.json()["errors"]) == {"UNAUTHENTICATED"}
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")


def test_a_cookie_cannot_be_forged_from_the_password(server: MprServer) -> None:
    # The old admin signed a stateless cookie with a key derived from the password.
    old_key = hashlib.sha256(f"mpr-admin\0{ADMIN}\0{PASSWORD}".encode()).hexdigest()
    payload = base64.b64encode(json.dumps({"user_id": ADMIN}).encode())
    forged = TimestampSigner(old_key).sign(payload).decode()
    guesses = [forged, hashlib.sha256(PASSWORD.encode()).hexdigest(), PASSWORD]

    answers = [httpx.get(server.base_url + "/admin/",
                         cookies={"mpr_session": g, "mpr_admin": g}) for g in guesses]
    with browser(server, "10.3.3.3") as one, browser(server, "10.3.3.3") as two:
        log_in(one, user=make_admin(server, "twice"))
        log_in(two, user="twice")
        first, second = one.cookies["mpr_session"], two.cookies["mpr_session"]

    assert [a.status_code for a in answers] == [303, 303, 303]
    assert first != second
    assert PASSWORD not in first
    assert len(base64.urlsafe_b64decode(first + "=")) == 32  # 256 random bits


def test_tokens_and_passwords_are_stored_only_as_hashes(server: MprServer) -> None:
    issued = server.data('mutation { createToken(name: "at-rest", role: "viewer") { secret } }')
    secret = issued["createToken"]["secret"]
    database = server.data_dir / "mpr.sqlite3"

    with sqlite3.connect(database) as db:
        [(stored_hash,)] = db.execute(
            "SELECT token_hash FROM api_tokens WHERE name = 'at-rest'").fetchall()
        [(password_hash,)] = db.execute(
            "SELECT password_hash FROM users WHERE username = ?", (ADMIN,)).fetchall()
    raw = b"".join(p.read_bytes() for p in Path(database.parent).glob("mpr.sqlite3*"))

    assert stored_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert password_hash.startswith("$argon2id$")
    assert secret.encode() not in raw
    assert PASSWORD.encode() not in raw


def test_a_revoked_token_is_refused_on_its_next_request(server: MprServer) -> None:
    secret = server.data('mutation { createToken(name: "soon-gone", role: "operator") '
                         '{ secret } }')["createToken"]["secret"]
    assert "errors" not in http_graphql(server, secret, ME)

    server.data('mutation { revokeToken(name: "soon-gone") { ok } }')
    refused = http_graphql_response(server, secret, ME)

    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer realm="mpr"'
    assert codes(refused.json()["errors"]) == {"UNAUTHENTICATED"}


def test_a_token_revoked_by_another_process_is_refused_within_two_seconds(
        server: MprServer) -> None:
    secret = server.data('mutation { createToken(name: "cli-gone", role: "viewer") '
                         '{ secret } }')["createToken"]["secret"]
    assert "errors" not in http_graphql(server, secret, ME)  # verified: now cached

    revoked = mpr("token", "revoke", "cli-gone", data_dir=server.data_dir)
    started = time.monotonic()
    while http_graphql_response(server, secret, ME).status_code == 200:
        assert time.monotonic() - started < 2.5, "the revoke did not reach the server"
        time.sleep(0.05)

    assert revoked.returncode == 0, revoked.stderr
    assert codes(http_graphql(server, secret, ME)["errors"]) == {"UNAUTHENTICATED"}


@pytest.fixture
def long_job(server: MprServer) -> Iterator[str]:
    asset = next(a["id"] for a in server.data("query { assets { id filename } }")["assets"]
                 if a["filename"] == "long.mp4")
    presets = server.preset_ids()
    job = server.data("mutation($a: ID!, $p: ID!) { createJob(input: {sourceAssetId: $a, "
                      "presetId: $p}) { id } }", {"a": asset, "p": presets["h265-1080p"]}
                      )["createJob"]["id"]
    yield str(job)
    server.data("mutation($id: ID!) { cancelJob(id: $id) { id } }", {"id": job})


async def _refused_after(server: MprServer, secret: str, job: str,
                         revoke: bool) -> tuple[float, list[dict[str, object]]]:
    """Subscribe with the token; revoke it (or let it expire); how long until refused."""
    reading = asyncio.create_task(ws_graphql(server, {"token": secret}, UPDATES, {"id": job},
                                             first_only=False, timeout=30))
    await asyncio.sleep(1.0)
    started = time.monotonic()
    if revoke:
        await asyncio.to_thread(server.data, 'mutation { revokeToken(name: "watcher") { ok } }')
    messages = await reading
    return time.monotonic() - started, messages


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_an_open_websocket_is_refused_within_seconds_of_revocation_or_expiry(
        server: MprServer, long_job: str, how: str) -> None:
    expires = ', expires: "3s"' if how == "expired" else ""
    secret = server.data(f'mutation {{ createToken(name: "watcher", role: "viewer"{expires}) '
                         '{ secret } }')["createToken"]["secret"]

    took, messages = asyncio.run(_refused_after(server, secret, long_job, how == "revoked"))
    after = http_graphql(server, secret, ME)
    if how == "expired":
        server.data('mutation { revokeToken(name: "watcher") { ok } }')

    assert "errors" not in messages[0]["payload"]  # it was streaming before
    assert messages[-1]["type"] in ("complete", "error")
    assert codes(ws_errors(messages)) == {"UNAUTHENTICATED"}
    assert took < 5.0
    assert codes(after["errors"]) == {"UNAUTHENTICATED"}
