"""Ladder jobs: the preset's renditions cut down to the source, a package folder as output."""

import pytest

from mpr.application.create_job import CreateJob, CreateJobCommand
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.errors import ValidationError
from mpr.domain.package import package_prefix
from tests.factories import make_asset, make_media

HLS = next(p for p in BUILTIN_PRESETS if p.name == "hls-ladder")
CMAF = next(p for p in BUILTIN_PRESETS if p.name == "cmaf-ladder")


@pytest.fixture
def create(uow, queue, clock, output_storage):
    return CreateJob(uow, queue, clock, output_storage)


def add_asset(tables, **media):
    asset = make_asset(file_path="shows/ep 1.mp4", media=make_media(**media))
    tables.assets[asset.id] = asset
    return asset


async def test_a_720p_source_gets_a_job_without_the_1080p_rendition(create, tables):
    asset = add_asset(tables, width=1280, height=720)

    job = await create(CreateJobCommand(str(asset.id), str(HLS.id)))

    assert tables.jobs[job.id].preset.renditions == "1280x720@2800k,854x480@1400k,640x360@800k"
    assert tables.jobs[job.id].preset.name == "hls-ladder"


async def test_a_source_without_audio_gets_a_ladder_without_an_audio_rendition(create, tables):
    asset = add_asset(tables, width=1920, height=1080, audio_codec=None)

    job = await create(CreateJobCommand(str(asset.id), str(CMAF.id)))

    stored = tables.jobs[job.id].preset
    assert stored.audio_codec is None
    assert stored.audio_bitrate is None
    assert stored.renditions == HLS.renditions


async def test_the_output_is_a_master_playlist_heading_its_own_folder(create, tables):
    asset = add_asset(tables, width=1920, height=1080)

    job = await create(CreateJobCommand(str(asset.id), str(HLS.id)))
    named = await create(CreateJobCommand(str(asset.id), str(CMAF.id),
                                          output_filename="talk.m3u8"))

    stem = f"ep 1_hls-ladder_{job.id.hex[:8]}"
    assert job.output_path == f"shows/{stem}/{stem}.m3u8"
    assert package_prefix(job.output_path) == f"shows/{stem}/"
    assert named.output_path == "shows/talk/talk.m3u8"


@pytest.mark.parametrize("name", ["../up", ".m3u8", ".hidden", "a/b"])
async def test_a_ladder_output_name_must_name_a_plain_folder(create, tables, name):
    asset = add_asset(tables, width=1920, height=1080)

    with pytest.raises(ValidationError):
        await create(CreateJobCommand(str(asset.id), str(HLS.id), output_filename=name))

    assert tables.jobs == {}


async def test_an_audio_only_source_cannot_make_a_ladder(create, tables):
    asset = add_asset(tables, video_codec=None, width=None, height=None)

    with pytest.raises(ValidationError, match="encodes video"):
        await create(CreateJobCommand(str(asset.id), str(HLS.id)))
