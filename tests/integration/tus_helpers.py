"""Talking tus to a running server in tests: raw requests, a broken PATCH, the staging area."""

from __future__ import annotations

import base64
import hashlib
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.integration.server_fixtures import MprServer

TUS = {"Tus-Resumable": "1.0.0"}
MiB = 1024 * 1024


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def create(server: MprServer, length: int, token: str | None = None, **meta: str
           ) -> httpx.Response:
    headers = {**TUS, **auth(token or server.token), "Upload-Length": str(length),
               "Upload-Metadata": metadata(**meta)}
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        return client.post("/api/uploads/", headers=headers)


def patch(server: MprServer, url: str, offset: int, body: bytes, token: str | None = None,
          **headers: str) -> httpx.Response:
    sent = {**TUS, **auth(token or server.token), "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream", **headers}
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        return client.patch(url, headers=sent, content=body)


def head(server: MprServer, url: str, token: str | None = None) -> httpx.Response:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        return client.head(url, headers={**TUS, **auth(token or server.token)})


def upload_whole(server: MprServer, data: bytes, filename: str, **meta: str
                 ) -> httpx.Response:
    """Create and send the whole file in one PATCH; the final PATCH's response."""
    created = create(server, len(data), filename=filename, **meta)
    assert created.status_code == 201, created.text
    return patch(server, created.headers["location"], 0, data)


def cut_patch(server: MprServer, url: str, source: Path, send_bytes: int) -> None:
    """A PATCH announcing the whole file whose connection closes after send_bytes."""
    parts = urlsplit(server.base_url)
    length = source.stat().st_size
    request = (f"PATCH {url} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
               f"Authorization: Bearer {server.token}\r\nTus-Resumable: 1.0.0\r\n"
               "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
               f"Content-Length: {length}\r\n\r\n").encode()
    with socket.create_connection((parts.hostname, parts.port)) as sock, source.open("rb") as f:
        sock.sendall(request)
        left = send_bytes
        while left > 0:
            chunk = f.read(min(MiB, left))
            sock.sendall(chunk)
            left -= len(chunk)
        sock.shutdown(socket.SHUT_RDWR)


def paused_patch(server: MprServer, url: str, data: bytes, pause_at: int,
                 during: Callable[[], None]) -> tuple[int, dict[str, str]]:
    """A PATCH of the whole file whose body stops at pause_at while `during` runs; the
    answer's status and headers."""
    parts = urlsplit(server.base_url)
    request = (f"PATCH {url} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
               f"Authorization: Bearer {server.token}\r\nTus-Resumable: 1.0.0\r\n"
               "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
               f"Content-Length: {len(data)}\r\n\r\n").encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(request + data[:pause_at])
        during()
        sock.sendall(data[pause_at:])
        answer = b""
        while b"\r\n\r\n" not in answer:
            got = sock.recv(65536)
            assert got, f"the connection closed after {answer!r}"
            answer += got
    lines = answer.partition(b"\r\n\r\n")[0].decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers


def settled_offset(server: MprServer, url: str, timeout: float = 30) -> int:
    """The server's offset once it stops moving (after a broken PATCH was written down)."""
    deadline, last = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        offset = int(head(server, url).headers["upload-offset"])
        if offset == last:
            return offset
        last = offset
        time.sleep(0.5)
    raise AssertionError(f"the offset of {url} never settled")


def staged_files(server: MprServer) -> list[Path]:
    root = server.data_dir / "uploads"
    return sorted(p for p in root.iterdir()) if root.is_dir() else []


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(4 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def stored_sha256(server: MprServer, key: str) -> str:
    """The digest of the object under key in the input store itself (S3: streamed)."""
    if server.buckets is None:
        return sha256_of(server.media_in / key)
    body = server.buckets.client.get_object(Bucket=server.buckets.bucket_in, Key=key)["Body"]
    digest = hashlib.sha256()
    for chunk in body.iter_chunks(4 * MiB):
        digest.update(chunk)
    return digest.hexdigest()


def input_keys(server: MprServer) -> list[str]:
    if server.buckets is None:
        return sorted(p.relative_to(server.media_in).as_posix()
                      for p in server.media_in.rglob("*") if p.is_file())
    pages = server.buckets.client.get_paginator("list_objects_v2").paginate(
        Bucket=server.buckets.bucket_in)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


ASSET = "query ($id: ID!) { asset(id: $id) { id filename filePath status fileSize } }"


def asset(server: MprServer, asset_id: str) -> dict[str, Any]:
    found: dict[str, Any] = server.data(ASSET, {"id": asset_id})["asset"]
    return found


def token_for(server: MprServer, role: str, name: str) -> str:
    made = server.data('mutation ($n: String!, $r: String!) { createToken(name: $n, role: $r) '
                       '{ secret } }', {"n": name, "r": role})
    secret: str = made["createToken"]["secret"]
    return secret
