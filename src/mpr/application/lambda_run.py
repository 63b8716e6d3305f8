"""The body of a Lambda invocation: one run of one job, within the invocation's time.

The run announces itself, checks that the staging disk (/tmp) has room, runs the same
pipeline as the workers and reports through its RunReporter. While it runs it keeps MPR
told it is alive and watches the time left: with less than `margin` seconds left it stops
the encode and fails the job cleanly instead of being killed with nothing reported. A
callback answering that the run must stop (a cancel) stops ffmpeg at once. Whatever the
end, the encode never outlives the invocation and its staging areas are removed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mpr.application.sweep_staging import remove_earlier_runs
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.errors import JobCancelled, MprError
from mpr.domain.executions import RunReporter
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.ports import MediaStorage

log = logging.getLogger(__name__)
WATCH_INTERVAL = 0.5  # seconds between looks at the time left (and heartbeats when due)
MIN_FREE_BYTES = 64 * 2**20
DEADLINE_MESSAGE = "would exceed the Lambda time limit"


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How the invocation ended, as the Lambda returns it to the state machine."""

    outcome: str  # "reported" (completed or failed, as MPR was told), "stopped", "deadline"
    detail: str = ""


class LambdaRun:
    """Run one spec inside one invocation."""

    def __init__(self, pipeline: TranscodePipeline, input_storage: MediaStorage,
                 staging_dir: Path, free_bytes: Callable[[Path], int], margin: float) -> None:
        self._pipeline, self._input, self._staging = pipeline, input_storage, staging_dir
        self._free_bytes, self._margin = free_bytes, margin

    async def __call__(self, spec: TranscodeSpec, reporter: RunReporter,
                       seconds_left: Callable[[], float]) -> RunOutcome:
        try:
            return await self._run(spec, reporter, seconds_left)
        finally:
            await asyncio.to_thread(remove_earlier_runs, self._staging, spec.job_id, 0)

    async def _run(self, spec: TranscodeSpec, reporter: RunReporter,
                   seconds_left: Callable[[], float]) -> RunOutcome:
        try:
            await reporter.started(spec.job_id)
        except JobCancelled as e:
            return RunOutcome("stopped", str(e))
        problem = await self._refusal(spec, seconds_left)
        if problem is not None:
            await reporter.failed(spec.job_id, problem)
            return RunOutcome("reported", problem)
        work = asyncio.create_task(self._pipeline.run(spec, reporter))
        why = await self._watch(spec, work, reporter, seconds_left)
        if why is None:
            work.result()
            return RunOutcome("reported")
        if why == DEADLINE_MESSAGE:
            message = (f"{DEADLINE_MESSAGE}: stopped with {seconds_left():.0f} s left "
                       f"(safety margin {self._margin:.0f} s); nothing was stored")
            await reporter.failed(spec.job_id, message)
            return RunOutcome("deadline", message)
        return RunOutcome("stopped", why)

    async def _refusal(self, spec: TranscodeSpec, seconds_left: Callable[[], float]
                       ) -> str | None:
        """Why the run cannot start: no time left, or too little room to stage the output."""
        if seconds_left() <= self._margin:
            return (f"{DEADLINE_MESSAGE}: only {seconds_left():.0f} s left at the start "
                    f"(safety margin {self._margin:.0f} s)")
        try:
            source_size = (await self._input.stat(spec.source_path)).size
        except MprError:
            return None  # the pipeline reports a missing source in its own words
        await asyncio.to_thread(self._staging.mkdir, parents=True, exist_ok=True)
        free = await asyncio.to_thread(self._free_bytes, self._staging)
        needed = max(MIN_FREE_BYTES, source_size + source_size // 2)
        if free < needed:
            return (f"not enough room to stage the output: {free // 2**20} MiB free in "
                    f"{self._staging}, about {needed // 2**20} MiB needed (raise the "
                    "function's ephemeral storage)")
        return None

    async def _watch(self, spec: TranscodeSpec, work: asyncio.Task[None],
                     reporter: RunReporter, seconds_left: Callable[[], float]) -> str | None:
        """Wait for the work; None when it ended by itself, else why it was stopped."""
        why: str | None = None
        while not work.done():
            await asyncio.wait({work}, timeout=WATCH_INTERVAL)
            if work.done():
                break
            if seconds_left() <= self._margin:
                why = DEADLINE_MESSAGE
            else:
                why = await _heartbeat(spec, reporter)
            if why is not None:
                work.cancel()
                await asyncio.wait({work})
                log.info("job %s run %d stopped: %s", spec.job_id, spec.run, why)
        return why


async def _heartbeat(spec: TranscodeSpec, reporter: RunReporter) -> str | None:
    """Tell MPR the run is alive; why it must stop, if it must."""
    try:
        await reporter.heartbeat(spec.job_id)
    except JobCancelled as e:
        return str(e) or "cancelled"
    except MprError as e:
        log.warning("heartbeat of job %s failed: %s", spec.job_id, e)
    return None
