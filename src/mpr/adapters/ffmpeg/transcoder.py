"""The Transcoder port on the ffmpeg CLI: one subprocess per encode, killable at any time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from asyncio.subprocess import Process
from pathlib import Path
from urllib.parse import urlsplit

from mpr.adapters.ffmpeg.command import build_command, is_url, media_arg
from mpr.adapters.ffmpeg.progress import ProgressParser
from mpr.domain.errors import TranscodeError
from mpr.domain.pipeline import TranscodeRequest
from mpr.domain.ports import ProgressCallback

KILL_AFTER = 1.0  # seconds between SIGTERM and SIGKILL
TAIL_LINES = 30
TAIL_CHARS = 4096
_STDERR_BUFFER = 16 * 1024


class StderrTail:
    """Drains a stream, keeping only its last bytes, so a chatty ffmpeg never blocks or bloats."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    async def drain(self, stream: asyncio.StreamReader) -> None:
        """Read the stream to its end, keeping the last few kilobytes."""
        while chunk := await stream.read(4096):
            self._buffer += chunk
            del self._buffer[:-_STDERR_BUFFER]

    def text(self) -> str:
        """The last lines (at most TAIL_LINES lines and TAIL_CHARS characters)."""
        lines = self._buffer.decode("utf-8", "replace").strip().splitlines()
        return "\n".join(lines[-TAIL_LINES:])[-TAIL_CHARS:]


class FfmpegTranscoder:
    """Runs ffmpeg for a TranscodeRequest, streaming progress; implements the Transcoder port."""

    def __init__(self, ffmpeg: str = "ffmpeg") -> None:
        self._ffmpeg = ffmpeg
        self._pids: set[int] = set()

    @property
    def running_pids(self) -> frozenset[int]:
        """Process ids of the ffmpeg runs in flight (for health checks and tests)."""
        return frozenset(self._pids)

    async def transcode(self, request: TranscodeRequest, on_progress: ProgressCallback) -> None:
        """Encode to request.destination; on any failure or cancellation leave no file behind."""
        process = await self._start(build_command(request, self._ffmpeg))
        self._pids.add(process.pid)
        try:
            returncode, stderr = await self._supervise(process, request, on_progress)
        except BaseException:
            remove_quietly(request.destination)
            raise
        finally:
            self._pids.discard(process.pid)
        self._check_result(request, returncode, stderr)

    async def _start(self, argv: list[str]) -> Process:
        try:
            return await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True, env=_environment())
        except OSError as e:
            raise TranscodeError(f"cannot start ffmpeg ({self._ffmpeg}): {e}") from e

    async def _supervise(self, process: Process, request: TranscodeRequest,
                         on_progress: ProgressCallback) -> tuple[int, StderrTail]:
        """Follow progress until ffmpeg exits; stop it if we are cancelled or the callback fails."""
        stdout, stderr_stream = _pipes(process)
        stderr = StderrTail()
        drain = asyncio.create_task(stderr.drain(stderr_stream))
        try:
            await _follow_progress(stdout, request.expected_duration, on_progress)
            returncode = await process.wait()
            await drain
        except BaseException:
            await terminate(process)
            drain.cancel()
            raise
        return returncode, stderr

    def _check_result(self, request: TranscodeRequest, returncode: int, stderr: StderrTail) -> None:
        if returncode == 0 and os.path.isfile(request.destination):
            return
        remove_quietly(request.destination)
        tail = _redact(stderr.text(), request) or "no error output"
        raise TranscodeError(f"ffmpeg {_exit_status(returncode)}: {tail}")


def _pipes(process: Process) -> tuple[asyncio.StreamReader, asyncio.StreamReader]:
    if process.stdout is None or process.stderr is None:
        raise TranscodeError("ffmpeg was started without its output pipes")
    return process.stdout, process.stderr


def _exit_status(returncode: int) -> str:
    if returncode == 0:
        return "exited without writing the output"
    if returncode < 0:
        return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


async def _follow_progress(stdout: asyncio.StreamReader, expected: float | None,
                           on_progress: ProgressCallback) -> None:
    parser = ProgressParser(expected)
    async for raw in stdout:
        progress = parser.feed(raw.decode("utf-8", "replace"))
        if progress is not None:
            await on_progress(progress)


async def terminate(process: Process) -> None:
    """Stop ffmpeg's process group: SIGTERM, then SIGKILL if it lingers; reap it."""
    if process.returncode is not None:
        return
    _signal_group(process, signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), KILL_AFTER)
    except TimeoutError:
        pass
    finally:
        if process.returncode is None:
            _signal_group(process, signal.SIGKILL)
    await process.wait()


def _signal_group(process: Process, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def remove_quietly(path: str) -> None:
    """Delete a (partial) output; a missing file is fine."""
    with contextlib.suppress(FileNotFoundError):
        Path(path).unlink()


def _environment() -> dict[str, str]:
    # SVT-AV1 prints a banner on stderr whatever -loglevel says; keep only its errors.
    return {"SVT_LOG": "1", **os.environ}


def _redact(text: str, request: TranscodeRequest) -> str:
    """Replace full paths/URLs (which may carry signed credentials) by their file names."""
    for locator in (request.source, request.destination):
        text = text.replace(media_arg(locator), _display_name(locator))
    return text


def _display_name(locator: str) -> str:
    path = urlsplit(locator).path if is_url(locator) else locator
    return os.path.basename(path.rstrip("/")) or "input"
