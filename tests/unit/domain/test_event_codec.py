"""Events cross processes as small JSON objects and come back equal."""

import json
import uuid

import pytest

from mpr.domain.asset import AssetStatus, Location
from mpr.domain.event_codec import EVENT_TYPES, decode, encode
from mpr.domain.events import (
    AssetDeleted,
    AssetMissing,
    AssetRegistered,
    AssetUpdated,
    JobCancelled,
    JobCompleted,
    JobCreated,
    JobFailed,
    JobProgressed,
    JobRequeued,
    JobStarted,
)
from mpr.domain.job import JobStatus
from tests.factories import NOW

JOB = {"at": NOW, "job_id": uuid.uuid4()}
ASSET = {"at": NOW, "asset_id": uuid.uuid4(), "location": Location.OUTPUT}
EVERY_KIND = [
    JobCreated(**JOB, status=JobStatus.PENDING, source_asset_id=uuid.uuid4()),
    JobStarted(**JOB, status=JobStatus.PROCESSING, attempt=2, worker_id="w-1"),
    JobStarted(**JOB, status=JobStatus.PROCESSING, attempt=1, worker_id=None),
    JobProgressed(**JOB, status=JobStatus.PROCESSING, progress=42.5, current_time=None,
                  speed=1.25, eta=3.0),
    JobCompleted(**JOB, status=JobStatus.COMPLETED, output_asset_id=uuid.uuid4()),
    JobFailed(**JOB, status=JobStatus.FAILED, message="ffmpeg: \"bad\" input\n"),
    JobCancelled(**JOB, status=JobStatus.CANCELLED),
    JobRequeued(**JOB, status=JobStatus.PENDING, reason="retried"),
    AssetRegistered(**ASSET, status=AssetStatus.PENDING, file_path="a/b.mp4"),
    AssetUpdated(**ASSET, status=AssetStatus.READY),
    AssetMissing(**ASSET, status=AssetStatus.MISSING),
    AssetDeleted(**ASSET, status=AssetStatus.READY, file_path="a/b.mp4"),
]


@pytest.mark.parametrize("event", EVERY_KIND, ids=lambda e: e.kind)
def test_every_kind_comes_back_equal(event):
    text = encode(event)

    assert decode(text) == event
    assert json.loads(text)["kind"] == event.kind
    assert len(text) < 300


def test_every_kind_is_known_to_the_codec():
    assert {type(e) for e in EVERY_KIND} == set(EVENT_TYPES.values())


@pytest.mark.parametrize("text", ["", "[]", '{"kind": "job.exploded"}', '{"kind": "job.cancelled"}',
                                  '{"kind": "job.cancelled", "at": "x", "job_id": "y", '
                                  '"status": "cancelled"}'])
def test_what_is_not_an_event_is_refused_with_value_error(text):
    with pytest.raises(ValueError, match="not an MPR event"):
        decode(text)
