"""createJob refuses sources and names beyond sane bounds, before anything is stored."""

import uuid

import pytest

from mpr.application.create_job import CreateJob, CreateJobCommand
from mpr.domain.builtin_presets import BUILTIN_PRESETS, COPY_PRESET
from mpr.domain.errors import ValidationError
from mpr.domain.keys import MAX_FILENAME_BYTES, MAX_KEY_BYTES
from mpr.domain.preset import TranscodePreset
from tests.factories import make_asset, make_media

H264_720 = next(p for p in BUILTIN_PRESETS if p.name == "h264-720p")
AAC = next(p for p in BUILTIN_PRESETS if p.name == "aac-audio")


@pytest.fixture
def create(uow, queue, clock, output_storage):
    return CreateJob(uow, queue, clock, output_storage)


def add_source(tables, file_path="shows/season 1/ep 1.mp4", **media):
    asset = make_asset(file_path=file_path, media=make_media(**media))
    tables.assets[asset.id] = asset
    return asset


@pytest.mark.parametrize(("width", "height", "words"), [
    (8193, 720, "8193x720, larger than 8192 px"), (1280, 9000, "1280x9000, larger than 8192"),
    (1, 1, "1x1, smaller than 16 px"), (1280, 8, "1280x8, smaller than 16"),
    (None, None, "no known frame size"),
])
async def test_a_video_source_beyond_sane_frame_sizes_is_refused_by_name(
        create, tables, queue, width, height, words):
    source = add_source(tables, width=width, height=height)

    with pytest.raises(ValidationError, match=words) as refused:
        await create(CreateJobCommand(str(source.id), str(H264_720.id)))

    assert "ep 1.mp4" in str(refused.value)
    assert str(source.id) not in str(refused.value)
    assert "season 1" not in str(refused.value)
    assert tables.jobs == {}
    assert queue.dispatched == []


@pytest.mark.parametrize("preset", [AAC, COPY_PRESET], ids=["audio-only", "stream-copy"])
async def test_presets_that_do_not_encode_video_ignore_its_frame_size(create, tables, preset):
    source = add_source(tables, width=1, height=1)

    job = await create(CreateJobCommand(str(source.id), str(preset.id)))

    assert job.id in tables.jobs


async def test_the_frame_size_bounds_themselves_are_accepted(create, tables):
    for width, height in [(8192, 8192), (16, 16)]:
        source = add_source(tables, file_path=f"{width}.mp4", width=width, height=height)

        job = await create(CreateJobCommand(str(source.id), str(H264_720.id)))

        assert job.id in tables.jobs


async def test_an_output_name_too_long_in_bytes_is_refused_before_any_encode(
        create, tables, queue):
    source = add_source(tables)

    with pytest.raises(ValidationError, match=f"at most {MAX_FILENAME_BYTES} bytes"):
        await create(CreateJobCommand(str(source.id), str(H264_720.id),
                                      output_filename="é" * 250 + ".mp4"))

    assert tables.jobs == {}
    assert queue.dispatched == []


async def test_an_output_name_that_fits_only_without_its_extension_is_refused(create, tables):
    source = add_source(tables)

    with pytest.raises(ValidationError, match="bytes"):
        await create(CreateJobCommand(str(source.id), str(H264_720.id),
                                      output_filename="a" * (MAX_FILENAME_BYTES - 2)))


async def test_an_output_name_with_a_bidi_override_is_refused(create, tables):
    source = add_source(tables)

    with pytest.raises(ValidationError, match="U\\+202E"):
        await create(CreateJobCommand(str(source.id), str(H264_720.id),
                                      output_filename="invoice\u202e4pm.mp4"))

    assert tables.jobs == {}


async def test_a_default_output_name_is_cut_to_fit_and_drops_hidden_characters(
        create, tables):
    source = add_source(tables, file_path="dir/" + "é\u202e" * 120 + ".mp4")

    job = await create(CreateJobCommand(str(source.id), str(H264_720.id)))

    assert len(job.output_filename.encode()) <= MAX_FILENAME_BYTES
    assert "\u202e" not in job.output_filename
    assert job.output_filename.endswith(f"_h264-720p_{job.id.hex[:8]}.mp4")
    assert job.output_path == f"dir/{job.output_filename}"


async def test_a_default_output_name_never_becomes_a_hidden_file(create, tables):
    source = add_source(tables, file_path="dir/\u202e.secret.mp4")

    job = await create(CreateJobCommand(str(source.id), str(H264_720.id)))

    assert job.output_filename.startswith("secret_h264-720p_")


async def test_an_output_key_beyond_1024_bytes_is_refused_with_a_hint(create, tables):
    source = add_source(tables, file_path="d" * 900 + "/ep.mp4")

    with pytest.raises(ValidationError, match=f"more than the {MAX_KEY_BYTES}.*outputFilename"):
        await create(CreateJobCommand(str(source.id), str(H264_720.id),
                                      output_filename="n" * 190 + ".mp4"))

    assert tables.jobs == {}


async def test_a_stored_preset_that_fails_todays_rules_is_refused_until_corrected(
        create, tables, queue):
    source = add_source(tables)
    old = TranscodePreset.restore(id=uuid.uuid4(), name="old-fast", container="mp4",
                                  video_codec="libx264", video_bitrate="9999999M",
                                  audio_codec="aac")
    tables.presets[old.id] = old

    with pytest.raises(ValidationError, match="preset 'old-fast' must be corrected first: "
                                              "video bitrate '9999999M'"):
        await create(CreateJobCommand(str(source.id), str(old.id)))

    assert tables.jobs == {}
    assert queue.dispatched == []
