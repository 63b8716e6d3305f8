"""The Timeline page and its static files are sent gzip-compressed to clients that accept it;
media, GraphQL, the admin and uploads never are (media answers byte ranges; no response that
holds a secret beside reflected input is compressed)."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from mpr.adapters.ffmpeg.samples import make_test_clip
from tests.integration.media import FFMPEG, run_async
from tests.integration.server_fixtures import SERVER_BACKENDS, MprServer

pytestmark = pytest.mark.parametrize(
    "mpr_server", [b for b in SERVER_BACKENDS if b.name == "sqlite"], indirect=True,
    ids=lambda b: b.name)

GZIP = {"Accept-Encoding": "gzip"}
STATIC = ("/static/ui/js/main.js", "/static/ui/js/jobs.js", "/static/ui/app.css")


def raw(client: httpx.Client, path: str, headers: dict[str, str]
        ) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent: not decoded, whatever its Content-Encoding."""
    with client.stream("GET", path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


@pytest.mark.parametrize("path", ["/", *STATIC])
def test_the_page_and_its_static_files_come_gzipped_and_decode_to_the_same_bytes(
        mpr_server: MprServer, path: str) -> None:
    plain, plain_body = raw(mpr_server.client, path, {"Accept-Encoding": "identity"})
    packed, packed_body = raw(mpr_server.client, path, GZIP)

    assert plain.status_code == packed.status_code == 200, (plain, packed)
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers.get("vary", "").lower()
    unpacked = gzip.decompress(packed_body)
    assert unpacked == plain_body
    assert len(packed_body) < len(unpacked) / 2


def test_a_vendored_library_stored_gzipped_is_sent_compressed_once(
        mpr_server: MprServer) -> None:
    sent, body = raw(mpr_server.client, "/vendor/shaka-player.compiled.js", GZIP)

    assert sent.status_code == 200
    assert sent.headers["content-encoding"] == "gzip"
    script = gzip.decompress(body)
    assert not script.startswith(b"\x1f\x8b")  # one layer of gzip, not two
    assert b"Shaka Player" in script[:200]


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return run_async(make_test_clip(FFMPEG, tmp_path / "packed.mp4", duration=2.0,
                                    width=160, height=120))


def test_media_graphql_and_the_admin_are_never_compressed(mpr_server: MprServer,
                                                           clip: Path) -> None:
    mpr_server.put_input("packed.mp4", clip)
    mpr_server.data("mutation { scanMediaFolder { registered } }")
    asset = next(a for a in mpr_server.data(
        'query { assets(location: "input") { id filePath } }')["assets"]
        if a["filePath"] == "packed.mp4")
    client = mpr_server.client

    media, media_body = raw(client, f"/media/assets/{asset['id']}",
                            {**GZIP, "Range": "bytes=0-99"})
    graphql = client.post("/graphql", headers=GZIP, json={
        "query": "{ assets { id filePath filename status } __schema { types { name } } }"})
    admin, _ = raw(client, "/admin/", GZIP)

    assert media.status_code == 206, media
    assert len(media_body) == 100
    assert graphql.status_code == 200
    assert len(graphql.content) > 1024  # big enough to be compressed, were it allowed
    for response in (media, graphql, admin):
        assert "content-encoding" not in response.headers, (response.url, response.headers)
