"""The Transcoder port on the ffmpeg CLI: one subprocess per encode, killable at any time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from pathlib import Path
from urllib.parse import urlsplit

from mpr.adapters.ffmpeg.child import Child
from mpr.adapters.ffmpeg.command import build_command, is_url, media_arg, refused_format
from mpr.adapters.ffmpeg.hls_master import finish_package
from mpr.adapters.ffmpeg.progress import ProgressParser
from mpr.adapters.ffmpeg.spawn import start_child
from mpr.adapters.ffmpeg.watchdog import DEFAULT_JOB_TIMEOUT, DEFAULT_STALL_TIMEOUT, Watchdog
from mpr.domain.errors import TranscodeError
from mpr.domain.job import MAX_WARNING_LENGTH, MAX_WARNINGS
from mpr.domain.pipeline import TranscodeRequest, TranscodeResult
from mpr.domain.ports import ProgressCallback

KILL_AFTER = 1.0  # seconds between SIGTERM and SIGKILL
TAIL_LINES = 30
TAIL_CHARS = 4096
_STDERR_BUFFER = 16 * 1024
_LOG_PREFIX = re.compile(r"^\[([^\]@]*?) ?@ 0x[0-9a-f]+\]\s*")
_NUMBERS = re.compile(r"0x[0-9a-f]+|\d+(\.\d+)?")
_REPEATED = "Last message repeated"
# Said at random by the HLS muxer's MPEG-TS writer when the audio encoder sets its frame size
# after the muxer starts; the segments are the same either way. Not a warning of the job.
_BENIGN = frozenset({"mpegts: frame size not set"})


class StderrTail:
    """Drains a stream, keeping only its last bytes, so a chatty ffmpeg never blocks or bloats.

    It also keeps the first MAX_WARNINGS distinct lines (lines that differ only in numbers,
    such as offsets or timestamps, count once): the warnings of an encode that succeeds."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._partial = bytearray()
        self._lines: dict[str, str] = {}

    async def drain(self, stream: asyncio.StreamReader) -> None:
        """Read the stream to its end, keeping the last few kilobytes and the distinct lines."""
        while chunk := await stream.read(4096):
            self._buffer += chunk
            del self._buffer[:-_STDERR_BUFFER]
            self._collect(chunk)
        self._note(bytes(self._partial))

    def text(self) -> str:
        """The last lines (at most TAIL_LINES lines and TAIL_CHARS characters)."""
        lines = self._buffer.decode("utf-8", "replace").strip().splitlines()
        return "\n".join(lines[-TAIL_LINES:])[-TAIL_CHARS:]

    def distinct_lines(self) -> list[str]:
        """The first distinct lines (each at most TAIL_CHARS long), without ffmpeg's
        '[component @ 0x...]' addresses."""
        return list(self._lines.values())

    def _collect(self, chunk: bytes) -> None:
        self._partial += chunk
        *lines, rest = self._partial.split(b"\n")
        self._partial = bytearray(rest[:TAIL_CHARS])
        for line in lines:
            self._note(line)

    def _note(self, raw: bytes | bytearray) -> None:
        if len(self._lines) >= MAX_WARNINGS:
            return
        text = _LOG_PREFIX.sub(_component, raw.decode("utf-8", "replace").strip())
        if not text or text.startswith(_REPEATED):
            return
        # kept whole (up to a path's length) so a path in it is redacted before it is cut
        self._lines.setdefault(_NUMBERS.sub("#", text), text[:TAIL_CHARS])


def _component(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"{name}: " if name and name != "NULL" else ""


class FfmpegTranscoder:
    """Runs ffmpeg for a TranscodeRequest, streaming progress; implements the Transcoder port."""

    def __init__(self, ffmpeg: str = "ffmpeg", stall_timeout: float = DEFAULT_STALL_TIMEOUT,
                 job_timeout: float = DEFAULT_JOB_TIMEOUT) -> None:
        self._ffmpeg = ffmpeg
        self._stall_timeout, self._job_timeout = stall_timeout, job_timeout
        self._pids: set[int] = set()

    @property
    def running_pids(self) -> frozenset[int]:
        """Process ids of the ffmpeg runs in flight (for health checks and tests)."""
        return frozenset(self._pids)

    async def transcode(self, request: TranscodeRequest, on_progress: ProgressCallback
                        ) -> TranscodeResult:
        """Encode to request.destination; on any failure or cancellation leave no file behind.

        The watchdog stops an ffmpeg that makes no progress or runs past the job timeout."""
        process = await self._start(build_command(request, self._ffmpeg), request.source.fds)
        self._pids.add(process.pid)
        try:
            returncode, stderr = await self._supervise(process, request, on_progress)
        except BaseException:
            remove_quietly(request.destination)
            raise
        finally:
            self._pids.discard(process.pid)
        self._check_result(request, returncode, stderr)
        if request.preset.is_ladder:
            await self._finish_ladder(request)
        warnings = (_redact(line, request)[:MAX_WARNING_LENGTH]
                    for line in stderr.distinct_lines() if line not in _BENIGN)
        return TranscodeResult(warnings=tuple(dict.fromkeys(warnings)))

    async def _start(self, argv: list[str], fds: tuple[int, ...]) -> Child:
        try:
            return await start_child(
                argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True, env=_environment(),
                pass_fds=fds)
        except OSError as e:
            reason = e.strerror or type(e).__name__  # str(e) would name the binary's path
            raise TranscodeError(f"cannot start ffmpeg (check MPR_FFMPEG): {reason}") from e

    async def _supervise(self, process: Child, request: TranscodeRequest,
                         on_progress: ProgressCallback) -> tuple[int, StderrTail]:
        """Follow progress until ffmpeg exits; stop it if we are cancelled, the callback fails
        or the watchdog gives up on it."""
        stdout, stderr_stream = _pipes(process)
        stderr = StderrTail()
        drain = asyncio.create_task(stderr.drain(stderr_stream))
        watchdog = Watchdog(self._stall_timeout, self._job_timeout)
        try:
            await _follow_progress(stdout, request.expected_duration, on_progress, watchdog)
            returncode = await watchdog.guard(process.wait())
            await drain
        except BaseException:
            await terminate(process)
            drain.cancel()
            raise
        return returncode, stderr

    async def _finish_ladder(self, request: TranscodeRequest) -> None:
        """Write the ladder's master playlist from its segments (the package stays staged)."""
        try:
            await finish_package(Path(request.destination))
        except (OSError, ValueError, KeyError) as e:
            raise TranscodeError(f"cannot finish the ladder's playlists: {e}") from e

    def _check_result(self, request: TranscodeRequest, returncode: int, stderr: StderrTail) -> None:
        if returncode == 0 and os.path.isfile(request.destination):
            return
        remove_quietly(request.destination)
        text = stderr.text()
        refused = refused_format(text)
        if refused is not None:
            raise TranscodeError(f"ffmpeg refused {_display_name(request.source.name)}: {refused}")
        tail = _redact(text, request) or "no error output"
        raise TranscodeError(f"ffmpeg {_exit_status(returncode)}: {tail}")


def _pipes(process: Child) -> tuple[asyncio.StreamReader, asyncio.StreamReader]:
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
                           on_progress: ProgressCallback, watchdog: Watchdog) -> None:
    parser = ProgressParser(expected)
    while raw := await watchdog.guard(stdout.readline()):
        progress = parser.feed(raw.decode("utf-8", "replace"))
        if progress is not None:
            await on_progress(progress)
            watchdog.saw(progress)  # after the callback: a slow database write is not a stall


async def terminate(process: Child) -> None:
    """Stop ffmpeg's process group: SIGTERM, then SIGKILL if it lingers; reap it."""
    if process.returncode is not None:
        return
    _signal_group(process, signal.SIGTERM)
    _signal_group(process, signal.SIGCONT)  # a stopped process only acts on SIGTERM once resumed
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), KILL_AFTER)
    except TimeoutError:
        pass
    finally:
        if process.returncode is None:
            _signal_group(process, signal.SIGKILL)
    await process.wait()


def _signal_group(process: Child, signum: signal.Signals) -> None:
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
    pairs = ((request.source.locator, request.source.name),
             (request.destination, request.destination))
    for locator, name in pairs:
        text = text.replace(media_arg(locator), _display_name(name))
    return text


def _display_name(locator: str) -> str:
    path = urlsplit(locator).path if is_url(locator) else locator
    return os.path.basename(path.rstrip("/")) or "input"
