"""The RunReporter of a Lambda run: signed HTTP callbacks to `POST /api/jobs/{id}/callback`.

Standard library only (urllib), so a cold Lambda imports no HTTP framework. Each call is
signed at the moment it is sent; network errors and 5xx answers are tried again with
backoff, 4xx never. A 409 answer means the run must stop (the job was cancelled, or this
attempt is no longer the job's): it raises JobCancelled, and so does any other refusal,
since nothing a refused run stores would count. Progress goes out at most every
`interval` seconds (2); between them the run's heartbeat checks every `check_interval` (1)
that it may go on, so a cancel stops it within about a second.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace

from mpr.domain.callback_codec import CallbackEvent, Kind, event_to_json
from mpr.domain.callback_signature import HEADER, signature
from mpr.domain.errors import InfrastructureError, JobCancelled, JobTakenOver
from mpr.domain.job import Progress
from mpr.domain.pipeline import TranscodeOutput

log = logging.getLogger(__name__)
DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)  # about half a minute of an unreachable API
PROGRESS_INTERVAL = 2.0
CHECK_INTERVAL = 1.0
TIMEOUT = 10.0


class CallbackFailed(InfrastructureError):
    """The API could not be told (unreachable or failing after every retry)."""

    code = "CALLBACK_FAILED"


class SignedCallbackReporter:
    """Reports one run of one job to MPR's callback endpoint."""

    def __init__(self, base_url: str, secret: bytes, run: int,
                 interval: float = PROGRESS_INTERVAL, check_interval: float = CHECK_INTERVAL,
                 delays: Sequence[float] = DELAYS,
                 wall_clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"callback URL {base_url!r} must be http(s)")
        self._base, self._secret, self._run = base_url.rstrip("/"), secret, run
        self._interval, self._check_interval, self._delays = interval, check_interval, delays
        self._wall, self._monotonic = wall_clock, monotonic
        self._seq = 0
        self._lock = asyncio.Lock()
        self._latest: Progress | None = None
        self._last_sent: float | None = None  # of progress
        self._last_call: float | None = None  # of any call

    async def started(self, job_id: uuid.UUID) -> None:
        await self._send(self._event("started", job_id))

    async def progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        self._latest = progress
        now = self._monotonic()
        if self._last_sent is not None and now - self._last_sent < self._interval:
            return
        await self._send_progress(job_id, progress)

    async def heartbeat(self, job_id: uuid.UUID) -> None:
        """The latest progress when due, else a check at most every check_interval (how
        soon a cancel is noticed when progress is quiet or throttled)."""
        now = self._monotonic()
        due = self._last_sent is None or now - self._last_sent >= self._interval
        if self._latest is not None and due:
            await self._send_progress(job_id, self._latest)
        elif self._last_call is None or now - self._last_call >= self._check_interval:
            await self._send(self._event("check", job_id))

    async def _send_progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        self._last_sent = self._monotonic()
        await self._send(replace(self._event("progress", job_id), progress=progress))

    async def check_owned(self, job_id: uuid.UUID) -> None:
        try:
            await self._send(self._event("check", job_id))
        except JobCancelled as e:
            raise JobTakenOver(str(e)) from e

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        await self._send(replace(self._event("completed", job_id), output_key=output.key,
                                 output_size=output.size, package_size=output.package_size,
                                 media=output.media,
                                 warnings=tuple(output.warnings)))

    async def failed(self, job_id: uuid.UUID, message: str,
                     warnings: Sequence[str] = ()) -> None:
        await self._send_outcome(replace(self._event("failed", job_id), message=message[:4000],
                                         warnings=tuple(w[:4000] for w in warnings[:100])))

    async def crashed(self, job_id: uuid.UUID, message: str) -> None:
        await self._send_outcome(replace(self._event("crashed", job_id),
                                         message=message[:4000]))

    async def _send_outcome(self, event: CallbackEvent) -> None:
        """An outcome the API refuses (the job moved on) is logged, not raised."""
        try:
            await self._send(event)
        except JobCancelled as e:
            log.info("job %s: outcome not taken: %s", event.job_id, e)

    def _event(self, kind: Kind, job_id: uuid.UUID) -> CallbackEvent:
        # microseconds of the wall clock, and always one more: a retried invocation of the
        # same run (the state machine's Retry) goes on above the calls before it
        self._seq = max(self._seq + 1, int(self._wall() * 1_000_000))
        return CallbackEvent(kind=kind, job_id=job_id, run=self._run, seq=self._seq)

    async def _send(self, event: CallbackEvent) -> None:
        body = event_to_json(event)
        url = f"{self._base}/api/jobs/{event.job_id}/callback"
        async with self._lock:
            self._last_call = self._monotonic()
            for delay in (*self._delays, None):
                try:
                    await asyncio.to_thread(self._post, url, body)
                    return
                except _Retryable as e:
                    if delay is None:
                        raise CallbackFailed(f"callback {event.kind} of job {event.job_id} "
                                             f"failed: {e}") from e
                    log.warning("callback %s failed (%s); again in %.1f s", event.kind, e,
                                delay)
                    await asyncio.sleep(delay)

    def _post(self, url: str, body: bytes) -> None:
        headers = {"Content-Type": "application/json",
                   HEADER: signature(self._secret, int(self._wall()), body)}
        # the URL's scheme is http(s), checked in __init__
        request = urllib.request.Request(url, data=body, headers=headers,  # noqa: S310
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
                answer.read()
        except urllib.error.HTTPError as e:
            detail = _detail(e)
            if e.code >= 500:
                raise _Retryable(f"HTTP {e.code} {detail}") from e
            raise JobCancelled(f"the API answered {e.code}: {detail}") from e
        except (urllib.error.URLError, OSError) as e:
            raise _Retryable(str(getattr(e, "reason", e))) from e


class _Retryable(Exception):
    """A network error or a 5xx answer."""


def _detail(error: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(error.read(4096) or b"{}")
    except (ValueError, OSError):
        return ""
    if isinstance(data, dict):
        return str(data.get("reason") or data.get("detail") or data.get("status") or "")
    return ""
