"""The pipeline alone: what it stores, what it reports, and what it leaves when a step fails."""

import asyncio
import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.errors import JobCancelled, JobTakenOver, ProbeError, StorageError
from mpr.domain.job import Trim
from mpr.domain.media import MediaInfo
from mpr.domain.package import StoredPackage
from mpr.domain.pipeline import MediaSource, TranscodeOutput, TranscodeSpec
from mpr.domain.staging import staging_name
from tests.factories import make_preset
from tests.unit.fakes import FakeProber, FakeStorage, FakeTranscoder, RecordingReporter


@pytest.fixture
def spec(input_storage):
    input_storage.objects["in/clip.mp4"] = b"source"
    return TranscodeSpec(job_id=uuid.uuid4(), source_path="in/clip.mp4", source_duration=10.0,
                         preset=make_preset(), trim=Trim(1.0, 3.0), output_path="out/clip.mp4")


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

    async def put_package(self, main_key: str, staged: Path) -> StoredPackage:
        await self._meeting.meet(self._meeting.store, self._meeting.probe)
        return await super().put_package(main_key, staged)


class ProberMeetingStore(FakeProber):
    def __init__(self, meeting: Rendezvous) -> None:
        super().__init__()
        self._meeting = meeting

    async def probe(self, source: MediaSource) -> MediaInfo:
        await self._meeting.meet(self._meeting.probe, self._meeting.store)
        return await super().probe(source)


async def test_the_output_is_probed_while_it_is_stored(input_storage, transcoder, clock, spec,
                                                        tmp_path):
    meeting = Rendezvous()
    staging = tmp_path / "staging"
    staging.mkdir()
    output = StoreMeetingProbe(staging, meeting)
    outcome = RecordingReporter()

    await pipeline(input_storage, output, transcoder, ProberMeetingStore(meeting), clock).run(
        spec, outcome)

    assert outcome.failure is None
    assert outcome.output is not None
    assert outcome.output.media.video_codec == "h264"
    assert output.objects["out/clip.mp4"] == b"encoded:memory://in/clip.mp4"
    assert list(staging.iterdir()) == []  # the staging file is gone


class FailingProber(FakeProber):
    async def probe(self, source: MediaSource) -> MediaInfo:
        await asyncio.sleep(0.01)  # fails after the store finished
        raise ProbeError("moov atom not found")


async def test_an_output_that_cannot_be_probed_is_removed_from_the_store(
        input_storage, output_storage, transcoder, clock, spec):
    outcome = RecordingReporter()

    await pipeline(input_storage, output_storage, transcoder, FailingProber(), clock).run(
        spec, outcome)

    assert outcome.failure == "moov atom not found"
    assert output_storage.objects == {}
    assert output_storage.deleted == ["out/clip.mp4"]
    assert list(output_storage.staging_dir().iterdir()) == []


class FailingStore(FakeStorage):
    async def put_package(self, main_key: str, staged: Path) -> StoredPackage:
        await asyncio.sleep(0.01)  # fails while the probe runs
        raise StorageError("bucket 'out' does not exist")


class HangingProber(FakeProber):
    def __init__(self) -> None:
        super().__init__()
        self.cancelled = False

    async def probe(self, source: MediaSource) -> MediaInfo:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        raise AssertionError("unreachable")


async def test_a_failed_store_stops_the_probe_and_fails_the_job(input_storage, transcoder,
                                                                 clock, spec, tmp_path):
    prober, outcome = HangingProber(), RecordingReporter()
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
    kept = RecordingReporter()
    await run.run(spec, kept)

    input_storage.objects.clear()
    gone = RecordingReporter()
    await run.run(spec, gone)

    assert kept.failure == "Invalid data found when processing input"
    assert gone.failure is not None
    assert "'in/clip.mp4' is no longer in the input store" in gone.failure


class LostLease(RecordingReporter):
    async def check_owned(self, job_id: uuid.UUID) -> None:
        raise JobTakenOver(f"job {job_id} now belongs to another run")


async def test_an_attempt_that_lost_its_job_stores_nothing(
        input_storage, output_storage, transcoder, prober, clock, spec):
    outcome = LostLease()

    await pipeline(input_storage, output_storage, transcoder, prober, clock).run(spec, outcome)

    assert output_storage.objects == {}
    assert outcome.output is None
    assert outcome.failure is None
    assert list(output_storage.staging_dir().iterdir()) == []


async def test_each_run_encodes_into_its_own_staging_file(
        input_storage, output_storage, transcoder, prober, clock, spec):
    seen: list[str] = []
    encode = transcoder.transcode

    async def recording(request, on_progress):
        seen.append(request.destination)
        return await encode(request, on_progress)

    transcoder.transcode = recording
    for run in (1, 2):
        output_storage.objects.clear()
        await pipeline(input_storage, output_storage, transcoder, prober, clock).run(
            dataclasses.replace(spec, run=run), RecordingReporter())

    assert len(set(seen)) == 2
    assert [Path(p).parent.name.split(".")[1] for p in seen] == ["r1", "r2"]


async def test_a_new_run_removes_what_earlier_runs_left_in_staging(
        input_storage, output_storage, transcoder, prober, clock, spec):
    staging = output_storage.staging_dir()
    earlier = staging / staging_name(spec.job_id, 1, "mp4")
    earlier.write_bytes(b"killed run")
    other_job = staging / staging_name(uuid.uuid4(), 1, "mp4")
    other_job.write_bytes(b"someone else's encode")

    await pipeline(input_storage, output_storage, transcoder, prober, clock).run(
        dataclasses.replace(spec, run=2), RecordingReporter())

    assert not earlier.exists()
    assert other_job.exists()
    assert "out/clip.mp4" in output_storage.objects


class SourceWatchingTranscoder(FakeTranscoder):
    """Notes whether the source was still open (held by the pipeline) while it encoded."""

    def __init__(self, sources: FakeStorage) -> None:
        super().__init__()
        self.held_open: list[bool] = []
        self._store = sources

    async def transcode(self, request, on_progress):
        self.held_open.append(request.source.name in self._store.open_sources)
        return await super().transcode(request, on_progress)


async def test_the_source_stays_opened_for_the_whole_encode_and_is_closed_after(
        input_storage, output_storage, prober, clock, spec):
    transcoder = SourceWatchingTranscoder(input_storage)

    await pipeline(input_storage, output_storage, transcoder, prober, clock).run(
        spec, RecordingReporter())

    assert transcoder.held_open == [True]
    assert input_storage.open_sources == set()


async def test_a_source_the_store_refuses_fails_the_job_and_stores_nothing(
        input_storage, output_storage, transcoder, prober, clock, spec):
    input_storage.refused.add(spec.source_path)
    outcome = RecordingReporter()

    await pipeline(input_storage, output_storage, transcoder, prober, clock).run(spec, outcome)

    assert "refused" in (outcome.failure or "")
    assert transcoder.requests == []
    assert output_storage.objects == {}


async def test_an_output_key_taken_meanwhile_fails_the_job_and_keeps_the_other_object(
        input_storage, output_storage, transcoder, prober, clock, spec):
    output_storage.objects[spec.output_path] = b"precious"
    outcome = RecordingReporter()

    await pipeline(input_storage, output_storage, transcoder, prober, clock).run(spec, outcome)

    assert "already exists" in (outcome.failure or "")
    assert output_storage.objects == {spec.output_path: b"precious"}
    assert output_storage.deleted == []


async def test_a_short_output_fails_the_job_and_leaves_nothing_stored(
        input_storage, output_storage, transcoder, prober, clock, spec):
    prober.file_media = replace(prober.file_media, duration=0.4)
    outcome = RecordingReporter()

    await pipeline(input_storage, output_storage, transcoder, prober, clock).run(spec, outcome)

    assert outcome.output is None
    assert outcome.failure == ("output lasts 0.40 s, 2.00 s expected: the source appears "
                               "truncated near 1.4 s")
    assert output_storage.objects == {}
    assert list(output_storage.staging_dir().iterdir()) == []


async def test_an_output_without_the_sources_video_fails_the_job(
        input_storage, output_storage, transcoder, prober, clock, spec):
    prober.file_media = replace(prober.file_media, video_codec=None)
    outcome = RecordingReporter()

    await pipeline(input_storage, output_storage, transcoder, prober, clock).run(
        replace(spec, source_has_video=True), outcome)

    assert outcome.failure == "the output has no video stream, though the source has one"
    assert output_storage.objects == {}


async def test_the_encoders_warnings_come_with_the_output(
        input_storage, output_storage, transcoder, prober, clock, spec):
    transcoder.warnings = ("h264: Invalid NAL unit size (9041 > 4470).",)
    prober.file_media = replace(prober.file_media, duration=2.0)
    outcome = RecordingReporter()

    await pipeline(input_storage, output_storage, transcoder, prober, clock).run(spec, outcome)

    assert outcome.output is not None
    assert outcome.output.warnings == ("h264: Invalid NAL unit size (9041 > 4470).",)


class StagingWatcher(RecordingReporter):
    """Notes what the staging directory holds when the outcome is reported."""

    def __init__(self, staging: Path) -> None:
        super().__init__()
        self.staging = staging
        self.left: list[Path] | None = None

    async def failed(self, job_id: uuid.UUID, message: str,
                     warnings: Sequence[str] = ()) -> None:
        self.left = list(self.staging.iterdir())
        await super().failed(job_id, message, warnings)


async def test_the_staging_file_is_gone_before_a_failure_is_reported(
        input_storage, output_storage, transcoder, prober, clock, spec):
    prober.file_media = replace(prober.file_media, duration=0.4)
    outcome = StagingWatcher(output_storage.staging_dir())

    await pipeline(input_storage, output_storage, transcoder, prober, clock).run(spec, outcome)

    assert outcome.failure is not None
    assert outcome.left == []


class LadderTranscoder(FakeTranscoder):
    """Writes a playlist as its destination and segments beside it, as an HLS encode does."""

    async def transcode(self, request, on_progress):
        folder = Path(request.destination).parent
        (folder / "720p").mkdir()
        for n in range(3):
            (folder / "720p" / f"seg{n}.ts").write_bytes(b"segment %d" % n)
        return await super().transcode(request, on_progress)


@pytest.fixture
def ladder_spec(spec):
    return replace(spec, output_path="out/ladder/master.m3u8")


LADDER = ["out/ladder/720p/seg0.ts", "out/ladder/720p/seg1.ts", "out/ladder/720p/seg2.ts",
          "out/ladder/master.m3u8"]


async def test_a_package_is_stored_whole_and_its_staging_area_is_removed(
        input_storage, output_storage, prober, clock, ladder_spec):
    outcome = RecordingReporter()

    await pipeline(input_storage, output_storage, LadderTranscoder(), prober, clock).run(
        ladder_spec, outcome)

    assert outcome.failure is None
    assert outcome.output is not None
    assert outcome.output.key == "out/ladder/master.m3u8"
    assert sorted(output_storage.objects) == LADDER
    assert list(output_storage.staging_dir().iterdir()) == []


async def test_a_package_that_fails_its_check_is_removed_whole(
        input_storage, output_storage, prober, clock, ladder_spec):
    prober.file_media = replace(prober.file_media, duration=0.4)
    outcome = RecordingReporter()

    await pipeline(input_storage, output_storage, LadderTranscoder(), prober, clock).run(
        ladder_spec, outcome)

    assert outcome.failure is not None
    assert output_storage.objects == {}
    assert list(output_storage.staging_dir().iterdir()) == []


class CancelledAtCompletion(RecordingReporter):
    def __init__(self, output_storage: FakeStorage) -> None:
        super().__init__()
        self.stored_when_reported: list[str] = []
        self._store = output_storage

    async def completed(self, job_id: uuid.UUID, output: TranscodeOutput) -> None:
        self.stored_when_reported = sorted(self._store.objects)
        raise JobCancelled(f"job {job_id} is cancelled; output discarded")


async def test_a_package_whose_job_was_cancelled_while_it_was_stored_is_removed_whole(
        input_storage, output_storage, prober, clock, ladder_spec):
    outcome = CancelledAtCompletion(output_storage)

    await pipeline(input_storage, output_storage, LadderTranscoder(), prober, clock).run(
        ladder_spec, outcome)

    assert outcome.stored_when_reported == LADDER
    assert output_storage.objects == {}
    assert list(output_storage.staging_dir().iterdir()) == []
