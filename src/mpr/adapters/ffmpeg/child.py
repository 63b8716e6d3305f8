"""A child process followed by the running event loop: its pipes as streams, its end by pidfd.

asyncio's own `create_subprocess_exec` is slow on uvloop (the web server's loop): uvloop forks
the whole process, which takes 30-90 ms for a ~300 MB server on this kind of machine, and the
loop (every request, /health among them) waits for it. `subprocess.Popen` starts the child with
vfork in well under a millisecond, so MPR starts children with it, on the loop's own thread
(the parent-death signal follows that thread), and hands the pipes and the exit to the loop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Sequence
from typing import IO, Any

PIPE_GRACE = 5.0  # seconds after the child's end before its undrained pipes are closed


class Child:
    """A started child: pid, returncode, stdout/stderr streams (when piped), wait, signals."""

    def __init__(self, popen: subprocess.Popen[bytes], stdout: asyncio.StreamReader | None,
                 stderr: asyncio.StreamReader | None, exited: asyncio.Future[int]) -> None:
        self._popen = popen
        self.stdout = stdout
        self.stderr = stderr
        self._exited = exited

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def returncode(self) -> int | None:
        """The exit status once the loop has seen the child end (negative: killed by signal)."""
        return self._exited.result() if self._exited.done() else None

    async def wait(self) -> int:
        """Wait until the child has ended and been reaped; its exit status."""
        return await asyncio.shield(self._exited)

    async def communicate(self) -> tuple[bytes, bytes]:
        """Read both pipes to their end, then wait: (stdout, stderr), b"" for one not piped."""
        out, err = await asyncio.gather(_read_all(self.stdout), _read_all(self.stderr))
        await self.wait()
        return out, err

    def send_signal(self, signum: int) -> None:
        """Signal the child; ProcessLookupError once it has been reaped."""
        if self._exited.done():
            raise ProcessLookupError(self.pid)
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


async def spawn(argv: Sequence[str], **options: Any) -> Child:
    """Start argv with subprocess.Popen's options; PIPE'd stdout/stderr become streams."""
    loop = asyncio.get_running_loop()
    popen = subprocess.Popen(argv, **options)  # noqa: ASYNC220 - vfork: under 1 ms, see above
    transports: list[asyncio.BaseTransport] = []
    try:
        stdout = await _stream(loop, popen.stdout, transports)
        stderr = await _stream(loop, popen.stderr, transports)
        exited = _exit_future(loop, popen)
    except BaseException:
        popen.kill()
        popen.wait()
        for transport in transports:
            transport.close()
        raise
    exited.add_done_callback(lambda _: _close_later(loop, transports))
    return Child(popen, stdout, stderr, exited)


class _PipeProtocol(asyncio.StreamReaderProtocol):
    """Feeds a stream and closes its transport at the pipe's end: uvloop keeps a read pipe
    open after EOF, and a transport left to the collector closes its descriptor behind the
    back of the file object that still names it (whose own close later hits a reused number)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._pipe_transport = transport

    def eof_received(self) -> bool:
        super().eof_received()
        self._pipe_transport.close()
        return False


async def _stream(loop: asyncio.AbstractEventLoop, pipe: IO[bytes] | None,
                  transports: list[asyncio.BaseTransport]) -> asyncio.StreamReader | None:
    if pipe is None:
        return None
    reader = asyncio.StreamReader(loop=loop)
    transport, _ = await loop.connect_read_pipe(lambda: _PipeProtocol(reader, loop=loop), pipe)
    transports.append(transport)
    return reader


def _close_later(loop: asyncio.AbstractEventLoop, transports: list[asyncio.BaseTransport]
                 ) -> None:
    """Once the child has ended, close what EOF did not (a reader nobody drains any more)."""
    def close() -> None:
        for transport in transports:
            if not transport.is_closing():
                transport.close()
    loop.call_later(PIPE_GRACE, close)


def _exit_future(loop: asyncio.AbstractEventLoop, popen: subprocess.Popen[bytes]
                 ) -> asyncio.Future[int]:
    """A future set when the child ends: a pidfd watched by the loop (Linux 5.3+), or a thread
    blocked in waitpid where there is none."""
    exited: asyncio.Future[int] = loop.create_future()
    try:
        pidfd = os.pidfd_open(popen.pid)
    except (AttributeError, OSError):
        waiting = loop.run_in_executor(None, popen.wait)
        waiting.add_done_callback(lambda done: _settle(exited, done.result()))
        return exited

    def reap() -> None:
        if popen.poll() is None:
            return  # woken early; the pidfd stays readable until the child is reaped
        loop.remove_reader(pidfd)
        os.close(pidfd)
        _settle(exited, popen.returncode)

    loop.add_reader(pidfd, reap)
    return exited


def _settle(exited: asyncio.Future[int], returncode: int | None) -> None:
    if not exited.done():
        exited.set_result(returncode if returncode is not None else 0)


async def _read_all(stream: asyncio.StreamReader | None) -> bytes:
    return await stream.read() if stream is not None else b""
