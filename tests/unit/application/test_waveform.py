import uuid

import pytest

from mpr.application.waveform import AssetWaveform
from mpr.domain.asset import AssetStatus, Location
from mpr.domain.errors import Conflict, NotFound, RefusedObject, TranscodeError, ValidationError
from mpr.domain.waveform import PEAKS
from tests.factories import make_asset, make_media
from tests.unit.fakes import FakeWaveforms


@pytest.fixture
def waveforms(tmp_path):
    return FakeWaveforms(tmp_path / "waveforms")


@pytest.fixture
def waveform(uow, input_storage, output_storage, waveforms):
    return AssetWaveform(uow, input_storage, output_storage, waveforms)


def stored(tables, store, **overrides):
    asset = make_asset(**overrides)
    tables.assets[asset.id] = asset
    store.objects[asset.file_path] = b"audio"
    return asset


async def test_reads_a_ready_source_from_its_store_under_a_key_of_its_id(
        waveform, tables, input_storage, waveforms):
    asset = stored(tables, input_storage, file_path="talk.mp3",
                   media=make_media(video_codec=None, width=None, height=None, duration=42.0))

    path = await waveform(str(asset.id))

    assert waveforms.made == [("memory://talk.mp3", f"{asset.id}/waveform-{PEAKS}", 42.0)]
    assert path.name == f"waveform-{PEAKS}.json"


async def test_an_output_asset_is_read_from_the_output_store(
        waveform, tables, output_storage, waveforms):
    asset = stored(tables, output_storage, file_path="cut.m4a", location=Location.OUTPUT)

    await waveform(str(asset.id))

    assert [locator for locator, _, _ in waveforms.made] == ["memory://cut.m4a"]


@pytest.mark.parametrize("status", [AssetStatus.PENDING, AssetStatus.ERROR])
async def test_assets_that_are_not_ready_have_no_waveform(
        waveform, tables, input_storage, waveforms, status):
    asset = stored(tables, input_storage, status=status)

    with pytest.raises(Conflict, match="not ready"):
        await waveform(str(asset.id))
    assert waveforms.made == []


async def test_a_missing_source_is_not_found_and_says_how_to_bring_it_back(
        waveform, tables, input_storage):
    asset = stored(tables, input_storage, status=AssetStatus.MISSING)

    with pytest.raises(NotFound, match="put the same file back"):
        await waveform(str(asset.id))


async def test_unknown_and_malformed_ids_are_refused(waveform):
    with pytest.raises(NotFound):
        await waveform(str(uuid.uuid4()))
    with pytest.raises(ValidationError):
        await waveform("../../etc/passwd")


async def test_a_video_without_audio_and_a_ladder_package_have_no_waveform(
        waveform, tables, input_storage, output_storage, waveforms):
    silent = stored(tables, input_storage, media=make_media(audio_codec=None))
    ladder = stored(tables, output_storage, file_path="film-hls/master.m3u8",
                    location=Location.OUTPUT)

    with pytest.raises(ValidationError, match="no audio"):
        await waveform(str(silent.id))
    with pytest.raises(ValidationError, match="package"):
        await waveform(str(ladder.id))
    assert waveforms.made == []


async def test_a_refused_object_is_never_decoded(waveform, tables, input_storage, waveforms):
    asset = stored(tables, input_storage, file_path="fifo.mp3")
    input_storage.refused.add("fifo.mp3")

    with pytest.raises(RefusedObject):
        await waveform(str(asset.id))
    assert waveforms.made == []


async def test_a_decode_that_fails_because_the_object_left_is_not_found(
        waveform, tables, input_storage, waveforms):
    asset = stored(tables, input_storage, file_path="gone.mp3")
    del input_storage.objects["gone.mp3"]
    waveforms.failure = TranscodeError("No such file or directory")

    with pytest.raises(NotFound):
        await waveform(str(asset.id))


async def test_a_decode_that_fails_on_a_present_object_says_what_ffmpeg_said(
        waveform, tables, input_storage, waveforms):
    asset = stored(tables, input_storage, file_path="bad.mp3")
    waveforms.failure = TranscodeError("Invalid data found when processing input")

    with pytest.raises(TranscodeError, match="Invalid data"):
        await waveform(str(asset.id))
