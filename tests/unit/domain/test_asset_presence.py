from datetime import timedelta

import pytest

from mpr.domain.asset import AssetStatus
from tests.factories import NOW, make_asset

LATER = NOW + timedelta(minutes=5)


def test_a_ready_asset_whose_object_left_goes_missing():
    asset = make_asset(status=AssetStatus.READY)

    asset.mark_missing(LATER)

    assert (asset.status, asset.updated_at) == (AssetStatus.MISSING, LATER)


def test_a_missing_asset_whose_object_came_back_is_ready_again():
    asset = make_asset(status=AssetStatus.MISSING)

    asset.mark_present(LATER)

    assert (asset.status, asset.updated_at) == (AssetStatus.READY, LATER)


@pytest.mark.parametrize("status", [AssetStatus.PENDING, AssetStatus.ERROR, AssetStatus.MISSING])
def test_only_a_ready_asset_goes_missing(status):
    asset = make_asset(status=status, error_message="kept")

    asset.mark_missing(LATER)

    assert (asset.status, asset.updated_at, asset.error_message) == (status, NOW, "kept")


@pytest.mark.parametrize("status", [AssetStatus.PENDING, AssetStatus.ERROR, AssetStatus.READY])
def test_only_a_missing_asset_becomes_present(status):
    asset = make_asset(status=status)

    asset.mark_present(LATER)

    assert (asset.status, asset.updated_at) == (status, NOW)
