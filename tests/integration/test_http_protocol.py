"""`mpr serve`'s HTTP protocol (entrypoints/web/http_protocol.py) on raw sockets: bodies
that come in pieces, pipelined requests, chunked bodies, uploads with many tiny pieces,
and reads that share one buffer across connections."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.media import write_noise_wav
from tests.integration.server_fixtures import MprServer, running_server
from tests.integration.tus_helpers import create, head, stored_sha256


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MprServer]:
    with running_server("protocol", tmp_path_factory.mktemp("protocol"),
                        {"MPR_SAMPLES": "false"}) as started:
        yield started


def connect(server: MprServer) -> socket.socket:
    host, port = server.base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_responses(sock: socket.socket, count: int) -> list[tuple[int, bytes]]:
    """`count` responses (status, body) read off a keep-alive connection."""
    data, answers = b"", []
    while len(answers) < count:
        while b"\r\n\r\n" not in data:
            got = sock.recv(65536)
            assert got, f"connection closed after {answers}"
            data += got
        head_bytes, _, data = data.partition(b"\r\n\r\n")
        lines = head_bytes.split(b"\r\n")
        headers = dict(line.lower().split(b": ", 1) for line in lines[1:])
        length = int(headers.get(b"content-length", b"0"))
        while len(data) < length:
            data += sock.recv(65536)
        answers.append((int(lines[0].split()[1]), data[:length]))
        data = data[length:]
    return answers


def graphql_request(server: MprServer, query: str) -> tuple[bytes, bytes]:
    body = json.dumps({"query": query}).encode()
    head_bytes = (f"POST /graphql HTTP/1.1\r\nHost: {server.base_url[7:]}\r\n"
                  f"Authorization: Bearer {server.token}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head_bytes, body


def test_a_body_sent_a_few_bytes_at_a_time_is_read_whole(server: MprServer) -> None:
    head_bytes, body = graphql_request(server, "query { presets { name } }")
    with connect(server) as sock:
        sock.sendall(head_bytes)
        for start in range(0, len(body), 7):
            sock.sendall(body[start:start + 7])
            time.sleep(0.002)
        [(status, answer)] = read_responses(sock, 1)

    assert status == 200, answer
    assert "h264-720p" in {p["name"] for p in json.loads(answer)["data"]["presets"]}


def test_pipelined_requests_in_one_write_are_each_answered_in_order(server: MprServer) -> None:
    first = b"".join(graphql_request(server, "query { presets { name } }"))
    second = b"".join(graphql_request(server, "query { assets { id } }"))
    with connect(server) as sock:
        ready = f"GET /ready HTTP/1.1\r\nHost: {server.base_url[7:]}\r\n\r\n".encode()
        sock.sendall(first + second + ready)
        answers = read_responses(sock, 3)

    assert [status for status, _ in answers] == [200, 200, 200]
    assert "presets" in json.loads(answers[0][1])["data"]
    assert isinstance(json.loads(answers[1][1])["data"]["assets"], list)


def test_a_chunked_body_is_read_whole(server: MprServer) -> None:
    head_bytes, body = graphql_request(server, "query { presets { name } }")
    head_bytes = head_bytes.replace(f"Content-Length: {len(body)}".encode(),
                                    b"Transfer-Encoding: chunked")
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 10]), body[i:i + 10])
                       for i in range(0, len(body), 10)) + b"0\r\n\r\n"
    with connect(server) as sock:
        sock.sendall(head_bytes)
        for start in range(0, len(chunked), 33):
            sock.sendall(chunked[start:start + 33])
        [(status, answer)] = read_responses(sock, 1)

    assert status == 200, answer
    assert json.loads(answer)["data"]["presets"]


def test_a_malformed_request_gets_400_and_the_server_goes_on(server: MprServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"POST /graphql HTTP/1.1\r\nContent-Length: zz\r\n\r\n")
        [(status, _)] = read_responses(sock, 1)

    assert status == 400
    assert server.client.get("/ready").status_code == 200


def patch_in_pieces(server: MprServer, url: str, body: bytes, piece: int) -> int:
    """PATCH `body` at offset 0 in writes of `piece` bytes; the answer's status."""
    head_bytes = (f"PATCH {url} HTTP/1.1\r\nHost: {server.base_url[7:]}\r\n"
                  f"Authorization: Bearer {server.token}\r\n"
                  "Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                  "Content-Type: application/offset+octet-stream\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n").encode()
    with connect(server) as sock:
        sock.sendall(head_bytes)
        for start in range(0, len(body), piece):
            sock.sendall(body[start:start + piece])
        [(status, _)] = read_responses(sock, 1)
    return status


def test_uploads_on_many_connections_at_once_keep_their_own_bytes(
        server: MprServer, tmp_path: Path) -> None:
    """Reads of all connections land in one buffer: the stored files must not mix."""
    wav = write_noise_wav(tmp_path / "noise.wav", 10).read_bytes()  # 1.9 MB
    bodies = [wav[:44] + os.urandom(len(wav) - 44) for _ in range(4)]  # each its own noise
    urls = [create(server, len(body), filename=f"mix-{n}.wav").headers["location"]
            for n, body in enumerate(bodies)]
    statuses: dict[int, int] = {}

    def send(n: int) -> None:
        statuses[n] = patch_in_pieces(server, urls[n], bodies[n], piece=1000 + 777 * n)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert statuses == dict.fromkeys(range(len(bodies)), 204)
    for url, body in zip(urls, bodies, strict=True):
        key = server.data("query($id: ID!) { asset(id: $id) { filePath } }", {
            "id": head(server, url).headers["mpr-asset-id"]})["asset"]["filePath"]
        assert stored_sha256(server, key) == hashlib.sha256(body).hexdigest()
