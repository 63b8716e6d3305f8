"""One encode from source object to stored output; the same on a worker and in a Lambda."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from mpr.application.missing_objects import raise_if_gone
from mpr.application.output_check import check_output
from mpr.application.sweep_staging import remove_earlier_runs, remove_staged
from mpr.domain.errors import (
    JobCancelled,
    JobTakenOver,
    MprError,
    NotFound,
    OutputCheckFailed,
    TranscodeError,
)
from mpr.domain.job import Progress
from mpr.domain.media import extension_of
from mpr.domain.package import staged_path_of
from mpr.domain.pipeline import MediaSource, TranscodeOutput, TranscodeRequest, TranscodeSpec
from mpr.domain.ports import Clock, JobReporter, MediaProber, MediaStorage, Transcoder
from mpr.domain.staging import staging_name

log = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.5  # seconds between progress reports


class TranscodePipeline:
    """Read the source where it lies, encode into a staging area, store its package, report."""

    def __init__(self, input_storage: MediaStorage, output_storage: MediaStorage,
                 transcoder: Transcoder, prober: MediaProber, clock: Clock) -> None:
        self._input, self._output = input_storage, output_storage
        self._transcoder, self._prober, self._clock = transcoder, prober, clock

    async def run(self, spec: TranscodeSpec, reporter: JobReporter) -> None:
        """Run the spec; every outcome is reported, and nothing partial is left behind."""
        staging_dir = self._output.staging_dir()
        await asyncio.to_thread(remove_earlier_runs, staging_dir, spec.job_id, spec.run)
        area = staging_dir / staging_name(spec.job_id, spec.run)
        try:
            output = await self._encode_and_store_once(spec, area, reporter)
        except JobCancelled:
            log.info("job %s stopped: it was cancelled", spec.job_id)
            return
        except OutputCheckFailed as e:
            await reporter.failed(spec.job_id, str(e), e.warnings)
            return
        except MprError as e:
            await reporter.failed(spec.job_id, _failure_message(e, spec))
            return
        try:
            await reporter.completed(spec.job_id, output)
        except JobTakenOver:
            log.info("job %s was taken over; its owner writes the same output", spec.job_id)
        except JobCancelled:  # cancelled while storing: leave nothing
            await self._output.delete_package(output.key)

    async def _encode_and_store_once(self, spec: TranscodeSpec, area: Path,
                                     reporter: JobReporter) -> TranscodeOutput:
        """Encode and store; the staging area is gone before any outcome is reported."""
        # the main object is named as in the store, so its probe names its container right
        staging = area / staged_path_of(spec.output_path)
        try:
            await asyncio.to_thread(staging.parent.mkdir, parents=True)
            return await self._encode_and_store(spec, area, staging, reporter)
        finally:
            await asyncio.shield(asyncio.to_thread(remove_staged, area))

    async def _encode_and_store(self, spec: TranscodeSpec, area: Path, staging: Path,
                                reporter: JobReporter) -> TranscodeOutput:
        try:
            async with self._input.open_source(spec.source_path) as source:
                request = TranscodeRequest(
                    source=source, destination=str(staging), preset=spec.preset,
                    trim=spec.trim, output_format=_container(spec),
                    expected_duration=spec.trim.length(spec.source_duration),
                )
                result = await self._transcoder.transcode(request,
                                                          self._throttled(spec, reporter))
        except TranscodeError:
            await raise_if_gone(self._input, spec.source_path)
            raise
        await reporter.check_owned(spec.job_id)  # a stale run stores nothing
        return await self._probe_and_store(spec, area, staging, result.warnings)

    async def _probe_and_store(self, spec: TranscodeSpec, area: Path, staging: Path,
                               warnings: tuple[str, ...]) -> TranscodeOutput:
        """Probe the main object while the package is stored (both only read the staging
        area), then check it against the spec; a failure of any step leaves nothing stored."""
        probing = asyncio.create_task(self._prober.probe(MediaSource.at(str(staging))))
        try:
            package = await self._output.put_package(spec.output_path, area)
        except BaseException:
            probing.cancel()
            await asyncio.gather(probing, return_exceptions=True)
            raise
        try:
            media = await probing
            warnings += check_output(spec, media, warnings)
        except BaseException:
            await asyncio.shield(self._discard(package.main.key))
            raise
        return package.output(media, warnings)

    async def _discard(self, key: str) -> None:
        try:
            await self._output.delete_package(key)
        except MprError as e:
            log.warning("could not remove the output package of %r of a failed job: %s", key, e)

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
    return spec.preset.container or extension_of(spec.output_path) or "mkv"


def _failure_message(error: MprError, spec: TranscodeSpec) -> str:
    if isinstance(error, NotFound):
        return f"source {spec.source_path!r} is no longer in the input store: {error}"
    return str(error) or type(error).__name__
