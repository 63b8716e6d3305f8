"""A small tus 1.0.0 client over httpx (the CLI's and the benchmark's): create, resume from
the server's offset, stream the rest in one PATCH, retry after a broken connection."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin

import httpx

TUS = {"Tus-Resumable": "1.0.0"}
PIECE = 1024 * 1024  # bytes read and sent at a time (progress moves at this grain)
Progress = Callable[[int, int], None]  # (offset, length)


class UploadFailed(Exception):
    """The server refused the upload; the message is its own."""


@dataclass
class Finished:
    url: str
    asset_id: str
    job_ids: list[str] = field(default_factory=list)
    job_errors: str = ""


def encode_metadata(values: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class TusUploader:
    """Uploads one file to a tus endpoint; `url` is known once created (keep it to resume)."""

    def __init__(self, client: httpx.Client, endpoint: str, path: Path,
                 metadata: dict[str, str], url: str | None = None,
                 on_progress: Progress | None = None, rate_limit: float | None = None,
                 retries: int = 3) -> None:
        self._client, self._endpoint, self._path = client, endpoint, path
        self._metadata, self.url = metadata, url
        self._progress = on_progress or (lambda _o, _l: None)
        self._rate, self._retries = rate_limit, retries
        self.length = path.stat().st_size

    def offset(self) -> int | None:
        """The server's offset for our URL; None when it no longer knows the upload."""
        if self.url is None:
            return None
        response = self._client.head(self.url, headers=TUS)
        if response.status_code in (404, 410):
            return None
        _check(response, "ask for the offset")
        return int(response.headers["upload-offset"])

    def create(self) -> str:
        response = self._client.post(self._endpoint, headers={
            **TUS, "Upload-Length": str(self.length),
            "Upload-Metadata": encode_metadata(self._metadata)})
        _check(response, "create the upload")
        self.url = urljoin(self._endpoint, response.headers["location"])
        return self.url

    def upload(self, on_created: Callable[[str], None] = lambda _: None) -> Finished:
        """Resume (or start) and send the rest; a broken connection is retried from the
        server's offset."""
        offset = self.offset()
        if offset is None:
            on_created(self.create())
            offset = 0
        for attempt in range(self._retries + 1):
            try:
                return self._send_from(offset)
            except httpx.TransportError:
                if attempt == self._retries:
                    raise
                time.sleep(min(2.0**attempt, 10))
                offset = self.offset() or 0
        raise AssertionError("unreachable")

    def _send_from(self, offset: int) -> Finished:
        if self.url is None:
            raise UploadFailed("the upload has no URL yet: create it first")
        if offset == self.length:  # all sent before: the server says what it became
            response = self._client.head(self.url, headers=TUS)
        else:
            response = self._client.patch(self.url, content=self._pieces(offset), headers={
                **TUS, "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(self.length - offset)})
        _check(response, "send the file")
        jobs = response.headers.get("mpr-job-ids", "")
        return Finished(self.url, response.headers.get("mpr-asset-id", ""),
                        [j for j in jobs.split(",") if j],
                        unquote(response.headers.get("mpr-job-errors", "")))

    def _pieces(self, offset: int) -> Iterator[bytes]:
        started, sent = time.monotonic(), 0
        with self._path.open("rb") as f:
            f.seek(offset)
            while piece := f.read(PIECE):
                yield piece
                sent += len(piece)
                self._progress(offset + sent, self.length)
                if self._rate:
                    ahead = sent / self._rate - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)


def _check(response: httpx.Response, action: str) -> None:
    if response.is_success:
        return
    try:
        message = response.json().get("error", response.text)
    except ValueError:
        message = unquote(response.headers.get("mpr-error", "")) or response.text
    raise UploadFailed(f"could not {action}: HTTP {response.status_code}: {message}")
