"""Ladder jobs end to end on the embedded services: real ffmpeg on generated 1080p and 720p
sources, the stored package read back as a player reads it (tests/integration/ladder_checks)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mpr.application.create_job import CreateJobCommand
from mpr.application.presets import PresetFields
from mpr.bootstrap import Services, build
from mpr.domain.asset import MediaAsset
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.domain.package import package_prefix
from mpr.settings import Settings
from tests.integration import ladder_checks as lc
from tests.integration.media import make_clip

DONE = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
# The standard ladder's shape at low bitrates and the fastest x264 preset: quick to encode.
TEST_RUNGS = "1920x1080@900k,1280x720@500k,854x480@300k,640x360@200k"
SOURCE_SECONDS = 12


@dataclass(frozen=True)
class Ladder:
    job: TranscodeJob
    folder: Path
    master: Path


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ladders")
    make_clip(root / "media" / "in" / "hd.mp4", duration=SOURCE_SECONDS, width=1920,
              height=1080, fps=30)
    make_clip(root / "media" / "in" / "sd.mp4", duration=SOURCE_SECONDS, width=1280,
              height=720, fps=25)
    return root


@pytest.fixture(scope="module")
async def services(data_dir: Path) -> AsyncIterator[Services]:
    services = build(Settings(data_dir=data_dir, samples=False, worker_concurrency=1))
    await services.prepare()
    await services.start_embedded_workers()
    await services.scan_media()
    yield services
    await services.close()


async def source(services: Services, name: str) -> MediaAsset:
    (asset,) = [a for a in await services.queries.assets() if a.filename == name]
    return asset


async def ladder_preset(services: Services, container: str) -> str:
    name = f"test-{container}"
    known = {p.name: p for p in await services.queries.presets()}
    if name in known:
        return str(known[name].id)
    preset = await services.create_preset(PresetFields({
        "name": name, "container": container, "video_codec": "libx264",
        "video_preset": "ultrafast", "renditions": TEST_RUNGS, "audio_codec": "aac",
        "audio_bitrate": "64k", "audio_channels": 2}))
    return str(preset.id)


async def wait_for(services: Services, job: TranscodeJob, *statuses: JobStatus,
                   timeout: float = 120) -> TranscodeJob:
    deadline = time.monotonic() + timeout
    while (current := await services.queries.job(str(job.id))).status not in statuses:
        assert time.monotonic() < deadline, f"job is {current.status}: {current.error_message}"
        await asyncio.sleep(0.1)
    return current


async def run_ladder(services: Services, data_dir: Path, source_name: str, container: str,
                     **trim: float) -> Ladder:
    asset = await source(services, source_name)
    job = await services.create_job(CreateJobCommand(
        str(asset.id), await ladder_preset(services, container), **trim))
    done = await wait_for(services, job, *DONE)
    assert done.status is JobStatus.COMPLETED, done.error_message
    assert not done.warnings, done.warnings
    assert done.progress == 100  # ffmpeg's progress is the package muxer's: every rendition
    master = data_dir / "media" / "out" / done.output_path
    return Ladder(done, master.parent, master)


@pytest.fixture(scope="module")
async def hls_1080(services: Services, data_dir: Path) -> Ladder:
    return await run_ladder(services, data_dir, "hd.mp4", "hls")


@pytest.fixture(scope="module")
async def cmaf_1080(services: Services, data_dir: Path) -> Ladder:
    return await run_ladder(services, data_dir, "hd.mp4", "cmaf")


@pytest.fixture(scope="module")
async def hls_720(services: Services, data_dir: Path) -> Ladder:
    return await run_ladder(services, data_dir, "sd.mp4", "hls")


@pytest.fixture(params=["hls_1080", "cmaf_1080", "hls_720"])
def ladder(request: pytest.FixtureRequest) -> Ladder:
    value: Ladder = request.getfixturevalue(request.param)
    return value


def test_a_1080p_source_gets_four_renditions_and_a_720p_source_three(
        hls_1080: Ladder, hls_720: Ladder) -> None:
    heights = [[p.stream_info.resolution[1] for p in lc.load_master(x.master).playlists]
               for x in (hls_1080, hls_720)]

    assert heights == [[1080, 720, 480, 360], [720, 480, 360]]


def test_every_extinf_is_within_the_target_duration(ladder: Ladder) -> None:
    video, audio = lc.renditions(lc.load_master(ladder.master), ladder.folder)

    assert video
    assert audio
    for rendition in [*video, *audio]:
        assert lc.within_target(rendition.playlist), rendition.uri
        assert rendition.playlist.is_endlist
        assert rendition.playlist.playlist_type == "vod"


def test_segment_boundaries_fall_at_the_same_times_in_every_rendition(ladder: Ladder) -> None:
    video, audio = lc.renditions(lc.load_master(ladder.master), ladder.folder)

    edges = {tuple(r.boundaries) for r in video}
    assert len(edges) == 1, edges
    (boundaries,) = edges
    assert boundaries[:4] == (0.0, 4.0, 8.0, 12.0)
    for rendition in audio:  # audio frames (21 ms) end near, not on, the video's boundaries
        assert rendition.boundaries[:3] == pytest.approx(boundaries[:3], abs=0.05)


def test_codecs_resolution_and_frame_rate_are_those_ffprobe_reads(ladder: Ladder) -> None:
    master = lc.load_master(ladder.master)
    video, audio = lc.renditions(master, ladder.folder)
    (audio_stream,) = lc.ffprobe_streams(audio[0].path)

    for variant, rendition in zip(master.playlists, video, strict=True):
        (stream,) = [s for s in lc.ffprobe_streams(rendition.path) if s["codec_type"] == "video"]
        info = variant.stream_info
        assert lc.avc_codec(info.codecs) == (lc.PROFILE_IDC[stream["profile"]], stream["level"])
        assert lc.aac_object_type(info.codecs) == lc.AAC_OBJECT_TYPES[audio_stream["profile"]]
        assert info.resolution == (stream["width"], stream["height"])
        assert info.frame_rate == pytest.approx(lc.frame_rate(stream), abs=0.001)


def test_bandwidth_covers_the_peak_segment_and_average_bandwidth_the_mean(
        ladder: Ladder) -> None:
    master = lc.load_master(ladder.master)
    video, audio = lc.renditions(master, ladder.folder)
    audio_peak = max(r.peak_bps() for r in audio)

    for variant, rendition in zip(master.playlists, video, strict=True):
        info = variant.stream_info
        assert info.bandwidth >= rendition.peak_bps() + audio_peak
        assert 0 < info.average_bandwidth <= info.bandwidth
        assert variant.media[0].type == "AUDIO"


def test_the_versions_match_the_segment_format(hls_1080: Ladder, cmaf_1080: Ladder) -> None:
    for ladder, version in ((hls_1080, 3), (cmaf_1080, 7)):
        master = lc.load_master(ladder.master)
        video, audio = lc.renditions(master, ladder.folder)
        assert master.version == version
        assert {r.playlist.version for r in [*video, *audio]} == {version}


def test_every_rendition_probes_as_the_whole_source(ladder: Ladder) -> None:
    video, audio = lc.renditions(lc.load_master(ladder.master), ladder.folder)

    for rendition in [*video, *audio]:
        streams = lc.ffprobe_streams(rendition.path)
        assert len(streams) == 1, rendition.uri
        assert streams[0]["format_duration"] == pytest.approx(SOURCE_SECONDS, abs=0.1)


def test_the_cmaf_mpd_describes_the_same_segments_as_the_hls_playlists(
        cmaf_1080: Ladder) -> None:
    master = lc.load_master(cmaf_1080.master)
    video, audio = lc.renditions(master, cmaf_1080.folder)
    representations = lc.parse_mpd(cmaf_1080.master.with_suffix(".mpd"))
    dash_video = [r for r in representations if r.kind == "video"]
    (dash_audio,) = [r for r in representations if r.kind == "audio"]

    assert [r.height for r in dash_video] == [p.stream_info.resolution[1]
                                              for p in master.playlists]
    for rep, variant, rendition in zip(dash_video, master.playlists, video, strict=True):
        assert rep.codecs == variant.stream_info.codecs.split(",")[0]
        assert rep.durations == pytest.approx(rendition.durations, abs=0.001)
        assert rep.files[1:] == rendition.segment_files()
        assert rep.files[0].name == rendition.playlist.segment_map[0].uri
        assert all(f.is_file() for f in rep.files)
        assert rep.bandwidth >= rep.peak_bps()
    assert dash_audio.files[1:] == audio[0].segment_files()
    assert dash_audio.bandwidth >= dash_audio.peak_bps()


def test_the_output_asset_is_the_master_playlist_with_the_package_under_its_prefix(
        hls_1080: Ladder, data_dir: Path) -> None:
    key = hls_1080.job.output_path
    files = sorted(p.name for p in hls_1080.folder.iterdir())

    assert package_prefix(key) == key.rpartition("/")[0] + "/"
    assert hls_1080.master.name in files
    assert {"1080p.m3u8", "360p.m3u8", "audio.m3u8", "1080p_00000.ts"} <= set(files)
    assert not [f for f in files if f.startswith(".")]


async def test_the_output_asset_counts_every_object_of_the_package(
        services: Services, ladder: Ladder) -> None:
    asset = await services.queries.asset(str(ladder.job.output_asset_id))
    stored = sum(p.stat().st_size for p in ladder.folder.rglob("*") if p.is_file())

    assert asset.file_size == stored
    assert stored > 50 * ladder.master.stat().st_size
    assert asset.media.duration
    # the bytes of every rendition over the duration: more than the top rendition alone
    assert asset.media.bitrate == round(stored * 8 / asset.media.duration)


async def test_a_trimmed_ladder_lasts_the_trim_in_every_rendition(
        services: Services, data_dir: Path) -> None:
    ladder = await run_ladder(services, data_dir, "sd.mp4", "hls", trim_start=2.0,
                              trim_end=9.5)
    video, audio = lc.renditions(lc.load_master(ladder.master), ladder.folder)

    frame = 1 / 25  # the source's frame rate: a trim is accurate to a frame
    for rendition in [*video, *audio]:
        assert sum(rendition.durations) == pytest.approx(7.5, abs=frame)
    assert video[0].boundaries == pytest.approx([0.0, 4.0, 7.5], abs=frame)


async def test_cancelling_a_ladder_stops_ffmpeg_and_leaves_no_object_of_its_package(
        services: Services, data_dir: Path) -> None:
    asset = await source(services, "hd.mp4")
    job = await services.create_job(CreateJobCommand(
        str(asset.id), await ladder_preset(services, "cmaf")))
    deadline = time.monotonic() + 60
    while (await services.queries.job(str(job.id))).progress <= 0:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)

    await services.cancel_job(str(job.id))
    cancelled = await wait_for(services, job, JobStatus.CANCELLED, JobStatus.COMPLETED)

    assert cancelled.status is JobStatus.CANCELLED
    folder = (data_dir / "media" / "out" / job.output_path).parent
    deadline = time.monotonic() + 10
    while folder.exists() or any(services.output_storage.staging_dir().iterdir()):
        assert time.monotonic() < deadline, "the package or its staging area stayed behind"
        await asyncio.sleep(0.05)


async def test_deleting_the_output_asset_removes_the_whole_package(
        services: Services, data_dir: Path) -> None:
    ladder = await run_ladder(services, data_dir, "sd.mp4", "cmaf", trim_end=4.0)
    assert ladder.job.output_asset_id is not None
    assert len(list(ladder.folder.iterdir())) > 5

    await services.delete_asset(str(ladder.job.output_asset_id))

    assert not ladder.folder.exists()
