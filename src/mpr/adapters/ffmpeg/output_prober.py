"""The MediaProber port for the files MPR writes: probed in process (see pyav_probe).

PyAV is imported by `load()` when a process that runs jobs starts (the embedded server, a
worker), not at import: a process that never runs a job (an API dispatching to Dramatiq, a
CLI command) does not load it (~80 ms, ~30 MB). Imported later, in the first probe's thread,
it would hold the interpreter lock for 90-220 ms and stall the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from mpr.adapters.ffmpeg.command import is_url
from mpr.domain.errors import ProbeError
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import MediaSource


class PyAvOutputProber:
    """Probes a local file in process; implements the MediaProber port for outputs."""

    def load(self) -> None:
        """Import PyAV now, before the process serves anything."""
        import mpr.adapters.ffmpeg.pyav_probe  # noqa: F401

    async def probe(self, source: MediaSource, complete: Awaitable[None] | None = None
                    ) -> MediaInfo:
        """Media metadata of the local file; ProbeError when it is not readable audio/video."""
        if complete is not None:  # in process there is no start to gain: wait for the file
            await complete
        if is_url(source.locator):
            raise ProbeError("the output prober reads local files only")
        return await asyncio.to_thread(_probe_file, source.locator)


def _probe_file(path: str) -> MediaInfo:
    from mpr.adapters.ffmpeg.pyav_probe import probe_file

    return probe_file(path)
