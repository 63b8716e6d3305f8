"""A reader started on a staged file before its last byte, held back by a write lease.

Starting ffprobe costs 60 to 80 ms here (the loader binds some 200 shared libraries), and an
upload's probe stands between its final byte and the client's answer. So the probe starts
when the final PATCH begins: MPR takes a write lease (fcntl F_SETLEASE) on the staged file,
and the kernel makes the reader's open() wait until the lease goes. The lease goes when the
last byte is written, and the reader then reads a complete file.

The kernel lets a lease hold an open back for /proc/sys/fs/lease-break-time seconds (45 by
default), then lets the open go on. A hold is given that time less a margin: after it, the
reader is told to give up (it is killed before the kernel would let it read), and the bytes
are read afresh once complete. Where the lease cannot be taken (the file is open elsewhere,
the filesystem has no leases, leases are off), nothing starts early."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType

from mpr.domain.pipeline import StagedBytesIncomplete

LEASE_BREAK_TIME = Path("/proc/sys/fs/lease-break-time")
MARGIN_SECONDS = 5.0  # the hold ends this long before the kernel would end the lease


def hold_seconds(setting: Path = LEASE_BREAK_TIME) -> float:
    """How long a lease may hold a reader back here; 0 when leases are not usable."""
    try:
        break_time = float(setting.read_text().strip())
    except (OSError, ValueError):
        return 0.0
    return max(0.0, break_time - MARGIN_SECONDS)


class EarlyRead:
    """While the block runs, `fd`'s file is leased and the reader `start` started waits to
    open it; `finished` says its bytes are all there. Leaving the block lets the reader go on,
    or tells it to give up (the bytes are not complete, or the hold lasted too long)."""

    def __init__(self, fd: int, start: Callable[[Awaitable[None]], None] | None,
                 seconds: float) -> None:
        self._fd, self._start, self._seconds = fd, start, seconds
        self._complete: asyncio.Future[None] | None = None
        self._lapse: asyncio.TimerHandle | None = None
        self._finished = False

    def finished(self) -> None:
        """Every byte of the file is written."""
        self._finished = True

    def __enter__(self) -> EarlyRead:
        if self._start is None or self._seconds <= 0 or not _lease(self._fd):
            return self
        loop = asyncio.get_running_loop()
        self._complete = loop.create_future()
        self._lapse = loop.call_later(self._seconds, self._give_up,
                                      "the final bytes took longer than a lease may hold")
        self._start(self._complete)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._complete is None:
            return
        _unlease(self._fd)  # a waiting open goes on now
        if self._lapse is not None:
            self._lapse.cancel()
        if kind is None and self._finished:
            if not self._complete.done():
                self._complete.set_result(None)
        else:
            self._give_up("the body ended before the file was complete")

    def _give_up(self, reason: str) -> None:
        if self._complete is not None and not self._complete.done():
            self._complete.set_exception(StagedBytesIncomplete(reason))
            self._complete.exception()  # a reader cancelled meanwhile never looks: no warning


def _lease(fd: int) -> bool:
    """Take a write lease on fd's file (fd must be its only open descriptor)."""
    try:
        # A breaking open notifies the holder by a signal (SIGIO, which would end the
        # process): SIGURG is ignored by default, and no owner gets it anyway.
        fcntl.fcntl(fd, fcntl.F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
        fcntl.fcntl(fd, fcntl.F_SETOWN, 0)
    except OSError:
        return False
    return True


def _unlease(fd: int) -> None:
    with contextlib.suppress(OSError):  # the lease is ours; closing fd would end it anyway
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
