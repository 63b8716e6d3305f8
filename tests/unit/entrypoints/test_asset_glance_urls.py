import pytest

from mpr.domain.asset import AssetStatus, Location
from mpr.entrypoints.web.graphql.types import AssetType
from tests.factories import make_asset, make_media

AUDIO = {"video_codec": None, "width": None, "height": None}


def urls(**overrides):
    asset = AssetType.from_domain(make_asset(**overrides))
    return asset.poster_url(), asset.waveform_url()


def test_a_ready_video_has_a_small_poster_a_tenth_in_and_the_waveform_of_its_audio():
    asset = make_asset(media=make_media(duration=30.0))

    poster, waveform = urls(id=asset.id, media=asset.media)

    assert poster == f"/media/assets/{asset.id}/thumbnail?t=3.0&w=96"
    assert waveform == f"/media/assets/{asset.id}/waveform.json"


def test_audio_has_a_waveform_and_no_poster():
    poster, waveform = urls(media=make_media(**AUDIO))

    assert poster is None
    assert waveform is not None


def test_a_silent_video_has_a_poster_and_no_waveform():
    poster, waveform = urls(media=make_media(audio_codec=None))

    assert poster is not None
    assert waveform is None


@pytest.mark.parametrize("status", [AssetStatus.PENDING, AssetStatus.ERROR,
                                    AssetStatus.MISSING])
def test_assets_that_are_not_ready_have_neither(status):
    assert urls(status=status) == (None, None)


def test_a_ladder_package_and_a_media_without_duration_have_neither():
    ladder = urls(file_path="film-hls/master.m3u8", location=Location.OUTPUT)
    unknown_length = urls(media=make_media(duration=None))

    assert ladder == unknown_length == (None, None)
