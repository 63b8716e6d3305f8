"""One encode from source object to stored output; the same on a worker and in a Lambda."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from mpr.application.missing_objects import raise_if_gone
from mpr.domain.errors import (
    JobCancelled,
    JobTakenOver,
    MprError,
    NotFound,
    TranscodeError,
)
from mpr.domain.job import Progress
from mpr.domain.media import extension_of
from mpr.domain.pipeline import TranscodeOutput, TranscodeRequest, TranscodeSpec
from mpr.domain.ports import Clock, JobReporter, MediaProber, MediaStorage, Transcoder

log = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.5  # seconds between progress reports


class TranscodePipeline:
    """Read the source where it lies, encode to a staging file, store it, report."""

    def __init__(self, input_storage: MediaStorage, output_storage: MediaStorage,
                 transcoder: Transcoder, prober: MediaProber, clock: Clock) -> None:
        self._input, self._output = input_storage, output_storage
        self._transcoder, self._prober, self._clock = transcoder, prober, clock

    async def run(self, spec: TranscodeSpec, reporter: JobReporter) -> None:
        """Run the spec; every outcome is reported, and nothing partial is left behind."""
        # named with the real extension so the output's probe names its container right
        staging = self._output.staging_dir() / f"{spec.job_id}.{_container(spec)}"
        try:
            output = await self._encode_and_store(spec, staging, reporter)
        except JobCancelled:
            log.info("job %s stopped: it was cancelled", spec.job_id)
            return
        except MprError as e:
            await reporter.failed(spec.job_id, _failure_message(e, spec))
            return
        finally:
            await asyncio.to_thread(staging.unlink, missing_ok=True)
        try:
            await reporter.completed(spec.job_id, output)
        except JobTakenOver:
            log.info("job %s was taken over; its owner writes the same output", spec.job_id)
        except JobCancelled:
            await self._output.delete(output.key)  # cancelled while storing: leave nothing

    async def _encode_and_store(self, spec: TranscodeSpec, staging: Path,
                                reporter: JobReporter) -> TranscodeOutput:
        source = await self._input.media_locator(spec.source_key)
        request = TranscodeRequest(
            source=source, destination=str(staging), preset=spec.preset, trim=spec.trim,
            output_format=_container(spec),
            expected_duration=spec.trim.length(spec.source_duration),
        )
        try:
            await self._transcoder.transcode(request, self._throttled(spec, reporter))
        except TranscodeError:
            await raise_if_gone(self._input, spec.source_key)
            raise
        return await self._probe_and_store(spec, staging)

    async def _probe_and_store(self, spec: TranscodeSpec, staging: Path) -> TranscodeOutput:
        """Probe the output while it is stored (both only read the staging file); a failure
        of either leaves nothing stored."""
        probing = asyncio.create_task(self._prober.probe(str(staging)))
        try:
            stored = await self._output.put_file(spec.output_key, staging)
        except BaseException:
            probing.cancel()
            await asyncio.gather(probing, return_exceptions=True)
            raise
        try:
            media = await probing
        except BaseException:
            await asyncio.shield(self._discard(stored.key))
            raise
        return TranscodeOutput(key=stored.key, size=stored.size, media=media)

    async def _discard(self, key: str) -> None:
        try:
            await self._output.delete(key)
        except MprError as e:
            log.warning("could not remove the output %r of a failed job: %s", key, e)

    def _throttled(self, spec: TranscodeSpec, reporter: JobReporter
                   ) -> _ThrottledProgress:
        return _ThrottledProgress(spec, reporter, self._clock)


class _ThrottledProgress:
    """Forwards progress at most every PROGRESS_INTERVAL seconds (the first at once)."""

    def __init__(self, spec: TranscodeSpec, reporter: JobReporter, clock: Clock) -> None:
        self._spec, self._reporter, self._clock = spec, reporter, clock
        self._last: float | None = None

    async def __call__(self, progress: Progress) -> None:
        now = self._clock.monotonic()
        if self._last is not None and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        await self._reporter.progress(self._spec.job_id, progress)


def _container(spec: TranscodeSpec) -> str:
    return spec.preset.container or extension_of(spec.output_key) or "mkv"


def _failure_message(error: MprError, spec: TranscodeSpec) -> str:
    if isinstance(error, NotFound):
        return f"source {spec.source_key!r} is no longer in the input store: {error}"
    return str(error) or type(error).__name__
