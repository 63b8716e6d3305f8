"""`mpr serve`'s HTTP protocol (entrypoints/web/http_protocol.py) on raw sockets: bodies
that come in pieces, pipelined requests, chunked bodies, uploads with many tiny pieces,
and reads that share one buffer across connections."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mpr.entrypoints.web import http_protocol
from tests.integration.media import write_noise_wav
from tests.integration.server_fixtures import MprServer, running_server
from tests.integration.tus_helpers import create, head, patch, stored_sha256


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


def asset_sha256(server: MprServer, asset_id: str) -> str:
    """The sha256 of what the input store holds for an asset."""
    key = server.data("query($id: ID!) { asset(id: $id) { filePath } }",
                      {"id": asset_id})["asset"]["filePath"]
    return stored_sha256(server, key)


def patch_head(server: MprServer, url: str, offset: int, length: int,
               *extra: str) -> bytes:
    lines = [f"PATCH {url} HTTP/1.1", f"Host: {server.base_url[7:]}",
             f"Authorization: Bearer {server.token}", "Tus-Resumable: 1.0.0",
             f"Upload-Offset: {offset}", "Content-Type: application/offset+octet-stream",
             f"Content-Length: {length}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def patch_in_pieces(server: MprServer, url: str, body: bytes, piece: int) -> int:
    """PATCH `body` at offset 0 in writes of `piece` bytes; the answer's status."""
    with connect(server) as sock:
        sock.sendall(patch_head(server, url, 0, len(body)))
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
        asset_id = head(server, url).headers["mpr-asset-id"]
        assert asset_sha256(server, asset_id) == hashlib.sha256(body).hexdigest()


def head_request(server: MprServer, url: str) -> bytes:
    return (f"HEAD {url} HTTP/1.1\r\nHost: {server.base_url[7:]}\r\n"
            f"Authorization: Bearer {server.token}\r\nTus-Resumable: 1.0.0\r\n\r\n").encode()


def read_head(sock: socket.socket) -> tuple[int, dict[bytes, bytes]]:
    """One bodiless answer (100 Continue, 204, a HEAD's 200): status and headers."""
    data = b""
    while b"\r\n\r\n" not in data:
        got = sock.recv(1)
        assert got, f"connection closed after {data!r}"
        data += got
    lines = data[:-4].split(b"\r\n")
    return int(lines[0].split()[1]), dict(line.lower().split(b": ", 1) for line in lines[1:])


def test_a_patch_and_the_requests_pipelined_after_it_share_one_connection(
        server: MprServer, tmp_path: Path) -> None:
    """The copied body is read up to its end and not a byte further: the HEAD and the second
    PATCH sent in the same writes are parsed anew and answered in order."""
    wav = write_noise_wav(tmp_path / "noise.wav", 10).read_bytes()
    url = create(server, len(wav), filename="pipelined.wav").headers["location"]
    half = len(wav) // 2
    with connect(server) as sock:
        sock.sendall(patch_head(server, url, 0, half) + wav[:half - 5])
        time.sleep(0.3)  # the rest arrives while the server copies the body itself
        sock.sendall(wav[half - 5:half] + head_request(server, url)
                     + patch_head(server, url, half, len(wav) - half) + wav[half:])
        first, (second, offset), (third, done) = (
            read_head(sock)[0], read_head(sock), read_head(sock))

    assert (first, second, third) == (204, 200, 204)
    assert offset[b"upload-offset"] == str(half).encode()
    assert asset_sha256(server, done[b"mpr-asset-id"].decode()) == hashlib.sha256(wav).hexdigest()


def test_expect_100_continue_is_answered_before_the_body_is_sent(
        server: MprServer, tmp_path: Path) -> None:
    wav = write_noise_wav(tmp_path / "noise.wav", 10).read_bytes()
    url = create(server, len(wav), filename="continue.wav").headers["location"]
    with connect(server) as sock:
        sock.sendall(patch_head(server, url, 0, len(wav), "Expect: 100-continue"))
        interim = read_head(sock)[0]  # a client waits for this before sending any byte
        sock.sendall(wav)
        final, headers = read_head(sock)

    assert (interim, final) == (100, 204)
    assert headers[b"upload-offset"] == str(len(wav)).encode()


def test_a_body_cut_off_keeps_what_arrived_and_the_server_goes_on(
        server: MprServer, tmp_path: Path) -> None:
    wav = write_noise_wav(tmp_path / "noise.wav", 10).read_bytes()
    url = create(server, len(wav), filename="cut.wav").headers["location"]
    sent = 700_000
    with connect(server) as sock:
        sock.sendall(patch_head(server, url, 0, len(wav)) + wav[:sent])
        time.sleep(0.5)  # all of it read and written by the server's copy

    deadline = time.monotonic() + 10
    while (offset := int(head(server, url).headers["upload-offset"])) < sent:
        assert time.monotonic() < deadline, f"offset {offset} after the cut"
        time.sleep(0.1)
    assert offset == sent
    with connect(server) as sock:  # the upload resumes from there, on a new connection
        sock.sendall(patch_head(server, url, sent, len(wav) - sent) + wav[sent:])
        status, headers = read_head(sock)
    assert status == 204
    assert (asset_sha256(server, headers[b"mpr-asset-id"].decode())
            == hashlib.sha256(wav).hexdigest())


def test_a_refused_patch_closes_the_connection_without_reading_the_body(
        server: MprServer, tmp_path: Path) -> None:
    """A wrong offset is refused before a byte is read; the unread body must not be taken
    for the next request, so the server closes the connection after its answer."""
    wav = write_noise_wav(tmp_path / "noise.wav", 10).read_bytes()
    url = create(server, len(wav), filename="refused.wav").headers["location"]
    forged = head_request(server, url)  # what a parser reading the body as requests would run
    with connect(server) as sock:
        sock.sendall(patch_head(server, url, 7, len(forged)) + forged)
        status, _ = read_head(sock)
        sock.settimeout(5)
        rest = sock.recv(65536)

    assert status == 409
    assert b"HTTP/1.1 200" not in rest
    assert int(head(server, url).headers["upload-offset"]) == 0


def test_stalled_uploads_on_every_copy_thread_leave_the_server_answering(
        server: MprServer, tmp_path: Path) -> None:
    """A slow-loris upload per copy thread (COPY_THREADS): each body is copied by a thread
    that waits for bytes. Another upload must still complete (no copy is offered while all
    threads copy, so it takes the chunk path) and the rest of the server must answer."""
    wav = write_noise_wav(tmp_path / "noise.wav", 10).read_bytes()
    stalled = []
    try:
        for n in range(http_protocol.COPY_THREADS):
            url = create(server, len(wav), filename=f"stalled-{n}.wav").headers["location"]
            sock = connect(server)
            stalled.append(sock)
            sock.sendall(patch_head(server, url, 0, len(wav)) + wav[:1000])
        time.sleep(1)  # every copy now waits for the rest of its body
        for sock in stalled:  # none was answered: each is still being copied
            sock.settimeout(0.1)
            with pytest.raises(TimeoutError):
                sock.recv(1)
        started = time.monotonic()
        url = create(server, len(wav), filename="past-the-stalled.wav").headers["location"]
        answer = patch(server, url, 0, wav)
        took = time.monotonic() - started
        ready = server.client.get("/ready").status_code
    finally:
        for sock in stalled:
            sock.close()

    assert answer.status_code == 204, answer.text
    assert answer.headers["upload-offset"] == str(len(wav))
    assert ready == 200
    assert took < 10, f"the upload past the stalled ones took {took:.1f} s"


def test_a_stopping_server_ends_a_stalled_upload_at_once_and_keeps_its_bytes(
        tmp_path: Path) -> None:
    """uvicorn waits for every open request before it exits: a copy waiting for a client
    that sends nothing is ended by the stop, answered, and what arrived stays for a resume."""
    wav = write_noise_wav(tmp_path / "noise.wav", 10).read_bytes()
    data = tmp_path / "data"
    with running_server("stopping", data, {"MPR_SAMPLES": "false"}) as server:
        url = create(server, len(wav), filename="stopped.wav").headers["location"]
        with connect(server) as sock:
            sock.sendall(patch_head(server, url, 0, len(wav)) + wav[:1000])
            time.sleep(1)
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            status, _ = read_head(sock)
            code = server.process.wait(20)
            took = time.monotonic() - started
    with running_server("resumed", data, {"MPR_SAMPLES": "false"}) as again:
        offset = int(head(again, url).headers["upload-offset"])

    assert status == 400  # CLIENT_DISCONNECTED: the body was broken off
    assert code in (0, -signal.SIGTERM)  # uvicorn raises the signal again once it stopped
    assert took < 5, f"the server took {took:.1f} s to stop"
    assert offset == 1000
