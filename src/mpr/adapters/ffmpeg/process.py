"""Running a short ffmpeg command to completion (samples, thumbnails)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from mpr.adapters.ffmpeg.spawn import start_child
from mpr.domain.errors import TranscodeError

QUIET = ("-hide_banner", "-nostdin", "-y", "-loglevel", "error")


async def run_ffmpeg(ffmpeg: str, args: Sequence[str], timeout: float | None = None,
                     pass_fds: Sequence[int] = ()) -> None:
    """Run ffmpeg without stdin (inheriting pass_fds); kill it if the caller is cancelled or
    the timeout passes.

    TranscodeError carries the tail of its stderr when it fails.
    """
    try:
        process = await start_child(
            [ffmpeg, *QUIET, *args], stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, pass_fds=pass_fds)
    except OSError as e:
        reason = e.strerror or type(e).__name__  # str(e) would name the binary's path
        raise TranscodeError(f"cannot start ffmpeg (check MPR_FFMPEG): {reason}") from e
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip()[-2000:]
        raise TranscodeError(f"ffmpeg exited with code {process.returncode}: {message}")
