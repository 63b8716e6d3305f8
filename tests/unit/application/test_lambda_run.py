import asyncio
import uuid
from collections.abc import Sequence

import pytest

from mpr.application.lambda_run import LambdaRun
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.errors import JobCancelled
from mpr.domain.job import Progress, Trim
from mpr.domain.pipeline import TranscodeOutput, TranscodeSpec
from tests.factories import make_preset
from tests.unit.fakes import FakeTranscoder

pytestmark = pytest.mark.asyncio


class CallbackLog:
    """A RunReporter that keeps what the run said; `stop_after` checks, it answers stop."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.calls: list[str] = []
        self.failure: str | None = None
        self.output: TranscodeOutput | None = None
        self._stop_after = stop_after

    async def started(self, job_id: uuid.UUID) -> None:
        self.calls.append("started")

    async def heartbeat(self, job_id: uuid.UUID) -> None:
        self.calls.append("heartbeat")
        if self._stop_after is not None and self.calls.count("heartbeat") >= self._stop_after:
            raise JobCancelled("the API answered 409: cancelled")

    async def crashed(self, job_id: uuid.UUID, message: str) -> None:
        self.calls.append("crashed")

    async def progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        self.calls.append("progress")

    async def check_owned(self, job_id: uuid.UUID) -> None:
        self.calls.append("check")

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        self.output = output

    async def failed(self, job_id: uuid.UUID, message: str,
                     warnings: Sequence[str] = ()) -> None:
        self.failure = message


@pytest.fixture
def spec(input_storage):
    input_storage.objects["a.mp4"] = b"x" * 1000
    return TranscodeSpec(job_id=uuid.uuid4(), source_path="a.mp4", source_duration=10.0,
                         preset=make_preset(), trim=Trim(), output_path="a-out.mp4")


def run_of(input_storage, output_storage, transcoder, prober, clock, free=10**12, margin=2.0):
    pipeline = TranscodePipeline(input_storage, output_storage, transcoder, prober, clock)
    return LambdaRun(pipeline, input_storage, output_storage.staging_dir(), lambda _: free,
                     margin)


async def test_a_run_reports_started_then_its_output(spec, input_storage, output_storage,
                                                     transcoder, prober, clock):
    log = CallbackLog()

    outcome = await run_of(input_storage, output_storage, transcoder, prober, clock)(
        spec, log, lambda: 900.0)

    assert outcome.outcome == "reported"
    assert log.calls[0] == "started"
    assert log.output is not None
    assert "a-out.mp4" in output_storage.objects


async def test_too_little_time_at_the_start_fails_at_once(spec, input_storage, output_storage,
                                                         transcoder, prober, clock):
    log = CallbackLog()

    await run_of(input_storage, output_storage, transcoder, prober, clock)(
        spec, log, lambda: 1.5)

    assert "would exceed the Lambda time limit" in log.failure
    assert output_storage.objects == {}


async def test_a_full_tmp_fails_before_encoding(spec, input_storage, output_storage,
                                                transcoder, prober, clock):
    log = CallbackLog()

    await run_of(input_storage, output_storage, transcoder, prober, clock, free=1000)(
        spec, log, lambda: 900.0)

    assert "not enough room" in log.failure
    assert output_storage.objects == {}


class SlowTranscoder(FakeTranscoder):
    """An encode that takes seconds: it waits between its progress steps."""

    async def transcode(self, request, on_progress):
        async def slowly(progress):
            await asyncio.sleep(0.05)
            await on_progress(progress)
        return await super().transcode(request, slowly)


def slow_transcoder(input_storage):
    return SlowTranscoder(steps=[float(n) for n in range(1, 100)], sources=input_storage)


async def test_a_deadline_reached_mid_encode_stops_it_and_stores_nothing(
        spec, input_storage, output_storage, prober, clock):
    log = CallbackLog()
    ends = asyncio.get_running_loop().time() + 0.8

    outcome = await run_of(input_storage, output_storage, slow_transcoder(input_storage),
                           prober, clock)(spec, log, lambda: 2.0 + ends -
                                          asyncio.get_running_loop().time())

    assert outcome.outcome == "deadline"
    assert "would exceed the Lambda time limit" in log.failure
    assert output_storage.objects == {}
    assert not list(output_storage.staging_dir().iterdir())


async def test_a_heartbeat_answered_stop_ends_the_encode(spec, input_storage, output_storage,
                                                        prober, clock):
    log = CallbackLog(stop_after=1)

    outcome = await run_of(input_storage, output_storage, slow_transcoder(input_storage),
                           prober, clock)(spec, log, lambda: 900.0)

    assert outcome.outcome == "stopped"
    assert (log.failure, output_storage.objects) == (None, {})
