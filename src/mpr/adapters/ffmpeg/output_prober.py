"""The MediaProber port for the files MPR writes: probed in process (see pyav_probe).

PyAV is imported at the first probe, not at start: a process that never runs a job (an API
dispatching to Dramatiq, a CLI command) does not load it (~80 ms, ~30 MB)."""

from __future__ import annotations

import asyncio

from mpr.adapters.ffmpeg.command import is_url
from mpr.domain.errors import ProbeError
from mpr.domain.media import MediaInfo


class PyAvOutputProber:
    """Probes a local file in process; implements the MediaProber port for outputs."""

    async def probe(self, locator: str) -> MediaInfo:
        """Media metadata of the local file; ProbeError when it is not readable audio/video."""
        if is_url(locator):
            raise ProbeError("the output prober reads local files only")
        return await asyncio.to_thread(_probe_file, locator)


def _probe_file(path: str) -> MediaInfo:
    # imported here, in the worker thread, so the first import does not stall the event loop
    from mpr.adapters.ffmpeg.pyav_probe import probe_file

    return probe_file(path)
