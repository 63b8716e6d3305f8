"""The pipeline alone: what it stores, what it reports, and what it leaves when a step fails."""

import asyncio
import uuid
from pathlib import Path

import pytest

from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.errors import ProbeError, StorageError
from mpr.domain.job import Progress, Trim
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import StoredObject, TranscodeOutput, TranscodeSpec
from tests.factories import make_preset
from tests.unit.fakes import FakeProber, FakeStorage


class Outcome:
    """A JobReporter that keeps what it was told."""

    def __init__(self) -> None:
        self.output: TranscodeOutput | None = None
        self.failure: str | None = None

    async def progress(self, job_id: uuid.UUID, progress: Progress) -> None:
        return None

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        self.output = output

    async def failed(self, job_id: uuid.UUID, message: str) -> None:
        self.failure = message


@pytest.fixture
def spec(input_storage):
    input_storage.objects["in/clip.mp4"] = b"source"
    return TranscodeSpec(job_id=uuid.uuid4(), source_key="in/clip.mp4", source_duration=10.0,
                         preset=make_preset(), trim=Trim(1.0, 3.0), output_key="out/clip.mp4")


def pipeline(input_storage, output_storage, transcoder, prober, clock):
    return TranscodePipeline(input_storage, output_storage, transcoder, prober, clock)


class Rendezvous:
    """Two steps that each wait for the other to have started: done one after the other
    (in either order), the first one times out."""

    def __init__(self) -> None:
        self.probe, self.store = asyncio.Event(), asyncio.Event()

    async def meet(self, mine: asyncio.Event, other: asyncio.Event) -> None:
        mine.set()
        await asyncio.wait_for(other.wait(), 2)


class StoreMeetingProbe(FakeStorage):
    def __init__(self, staging: Path, meeting: Rendezvous) -> None:
        super().__init__(staging)
        self._meeting = meeting

    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        await self._meeting.meet(self._meeting.store, self._meeting.probe)
        return await super().put_file(key, local_path)


class ProberMeetingStore(FakeProber):
    def __init__(self, meeting: Rendezvous) -> None:
        super().__init__()
        self._meeting = meeting

    async def probe(self, locator: str) -> MediaInfo:
        await self._meeting.meet(self._meeting.probe, self._meeting.store)
        return await super().probe(locator)


async def test_the_output_is_probed_while_it_is_stored(input_storage, transcoder, clock, spec,
                                                        tmp_path):
    meeting = Rendezvous()
    staging = tmp_path / "staging"
    staging.mkdir()
    output = StoreMeetingProbe(staging, meeting)
    outcome = Outcome()

    await pipeline(input_storage, output, transcoder, ProberMeetingStore(meeting), clock).run(
        spec, outcome)

    assert outcome.failure is None
    assert outcome.output is not None
    assert outcome.output.media.video_codec == "h264"
    assert output.objects["out/clip.mp4"] == b"encoded:memory://in/clip.mp4"
    assert list(staging.iterdir()) == []  # the staging file is gone


class FailingProber(FakeProber):
    async def probe(self, locator: str) -> MediaInfo:
        await asyncio.sleep(0.01)  # fails after the store finished
        raise ProbeError("moov atom not found")


async def test_an_output_that_cannot_be_probed_is_removed_from_the_store(
        input_storage, output_storage, transcoder, clock, spec):
    outcome = Outcome()

    await pipeline(input_storage, output_storage, transcoder, FailingProber(), clock).run(
        spec, outcome)

    assert outcome.failure == "moov atom not found"
    assert output_storage.objects == {}
    assert output_storage.deleted == ["out/clip.mp4"]
    assert list(output_storage.staging_dir().iterdir()) == []


class FailingStore(FakeStorage):
    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        await asyncio.sleep(0.01)  # fails while the probe runs
        raise StorageError("bucket 'out' does not exist")


class HangingProber(FakeProber):
    def __init__(self) -> None:
        super().__init__()
        self.cancelled = False

    async def probe(self, locator: str) -> MediaInfo:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        raise AssertionError("unreachable")


async def test_a_failed_store_stops_the_probe_and_fails_the_job(input_storage, transcoder,
                                                                 clock, spec, tmp_path):
    prober, outcome = HangingProber(), Outcome()
    staging = tmp_path / "staging"
    staging.mkdir()

    await asyncio.wait_for(pipeline(input_storage, FailingStore(staging), transcoder, prober,
                                    clock).run(spec, outcome), 5)

    assert outcome.failure == "bucket 'out' does not exist"
    assert prober.cancelled
    assert list(staging.iterdir()) == []


async def test_a_source_that_vanished_fails_saying_so_and_one_that_did_not_keeps_the_reason(
        input_storage, output_storage, transcoder, prober, clock, spec):
    run = pipeline(input_storage, output_storage, transcoder, prober, clock)
    transcoder.fail_with = "Invalid data found when processing input"
    kept = Outcome()
    await run.run(spec, kept)

    input_storage.objects.clear()
    gone = Outcome()
    await run.run(spec, gone)

    assert kept.failure == "Invalid data found when processing input"
    assert gone.failure is not None
    assert "'in/clip.mp4' is no longer in the input store" in gone.failure
