"""Start child processes that never outlive the process that started them.

Each child is started through util-linux's `setpriv --pdeathsig`, which sets Linux's
PR_SET_PDEATHSIG and then execs the real program: when this process dies, by any signal
including SIGKILL or the OOM killer, the kernel sends the child SIGKILL. (The signal follows
the thread that forked the child; MPR starts children from its event loop thread, which lives
as long as the process; a parent killed in the millisecond before setpriv sets the signal
still leaves an orphan.) A `preexec_fn` calling prctl would do the same without the extra exec
(~1 ms), but runs Python between fork and exec, which can deadlock a process with threads.

Media children (ffmpeg, ffprobe) also run through coreutils' `nice`, at MEDIA_NICENESS: on a
busy machine the service's own threads (the web server answering /health, the event loop
reporting progress) get the CPU first, and encodes take what is left. Nicing the child after
it started would race with the threads ffmpeg starts.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from typing import Any

from mpr.adapters.ffmpeg.child import Child, spawn

log = logging.getLogger(__name__)

MEDIA_NICENESS = 10  # how much lower than MPR's own threads the media children run


@cache
def _setpriv() -> str | None:
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        log.warning("setpriv (util-linux) not found: ffmpeg may outlive a killed MPR process")
    return setpriv


@cache
def _nice() -> str | None:
    nice = shutil.which("nice")
    if nice is None:
        log.warning("nice (coreutils) not found: ffmpeg competes with MPR itself for the CPU")
    return nice


def guarded(argv: Sequence[str], signal_name: str = "KILL", niceness: int = 0) -> list[str]:
    """argv prefixed so that the child gets `signal_name` when this process dies, and runs
    `niceness` lower than this process.

    FileNotFoundError when the program is not found, as starting it directly would raise
    (setpriv would start, then fail to exec it)."""
    if shutil.which(argv[0]) is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), argv[0])
    setpriv, nice = _setpriv(), _nice() if niceness else None
    guard = [setpriv, "--pdeathsig", signal_name, "--"] if setpriv else []
    lowered = [nice, "-n", str(niceness)] if nice else []
    return [*guard, *lowered, *argv]


async def start_child(argv: Sequence[str], **options: Any) -> Child:
    """A media child followed by the running loop (subprocess.Popen's options): dies with this
    process, runs niced."""
    return await spawn(guarded(argv, niceness=MEDIA_NICENESS), **options)


def popen_child(argv: Sequence[str], signal_name: str = "KILL", **options: Any
                ) -> subprocess.Popen[bytes]:
    """subprocess.Popen for a child that gets `signal_name` when this process dies."""
    return subprocess.Popen(guarded(argv, signal_name), **options)
