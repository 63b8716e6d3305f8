"""Each asset transition records exactly its event, with the state after it."""

import dataclasses

from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.events import AssetDeleted, AssetMissing, AssetRegistered, AssetUpdated
from tests.factories import NOW, make_asset, make_media

LATER = NOW.replace(minute=5)


def test_register_records_asset_registered():
    asset = MediaAsset.register("clips/a.mp4", Location.INPUT, NOW, 123)

    assert asset.events == [AssetRegistered(at=NOW, asset_id=asset.id, location=Location.INPUT,
                                            status=AssetStatus.PENDING, file_path="clips/a.mp4")]


def test_a_probe_records_asset_updated_ready_or_error():
    ready = make_asset(status=AssetStatus.PENDING)
    broken = make_asset(status=AssetStatus.PENDING)

    ready.mark_ready(make_media(), LATER)
    broken.mark_error("moov atom not found", LATER)

    assert ready.events == [AssetUpdated(at=LATER, asset_id=ready.id, location=Location.INPUT,
                                         status=AssetStatus.READY)]
    assert broken.events == [AssetUpdated(at=LATER, asset_id=broken.id,
                                          location=Location.INPUT, status=AssetStatus.ERROR)]


def test_annotate_records_asset_updated():
    asset = make_asset()

    asset.annotate(LATER, comments="keep", tags=["a"])

    assert asset.events == [AssetUpdated(at=LATER, asset_id=asset.id, location=Location.INPUT,
                                         status=AssetStatus.READY)]


def test_a_ready_asset_leaving_its_store_records_asset_missing_and_coming_back_updated():
    asset = make_asset()

    asset.mark_missing(LATER)
    asset.mark_present(LATER)

    assert asset.events == [
        AssetMissing(at=LATER, asset_id=asset.id, location=Location.INPUT,
                     status=AssetStatus.MISSING),
        AssetUpdated(at=LATER, asset_id=asset.id, location=Location.INPUT,
                     status=AssetStatus.READY)]


def test_presence_marks_that_change_nothing_record_nothing():
    pending = make_asset(status=AssetStatus.PENDING)

    pending.mark_missing(LATER)
    pending.mark_present(LATER)

    assert pending.events == []


def test_discard_records_asset_deleted_with_its_key():
    asset = make_asset(location=Location.OUTPUT, file_path="out/x.mp4")

    asset.discard(LATER)

    assert asset.events == [AssetDeleted(at=LATER, asset_id=asset.id, location=Location.OUTPUT,
                                         status=AssetStatus.READY, file_path="out/x.mp4")]


def test_copies_carry_no_event():
    asset = dataclasses.replace(make_asset())
    asset.discard(LATER)

    assert asset.copy().events == []
