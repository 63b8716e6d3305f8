import json
import uuid

import pytest

from mpr.domain.callback_codec import CallbackEvent, event_from_json, event_to_json
from mpr.domain.errors import InvalidMessage
from mpr.domain.job import Progress
from tests.factories import make_media

JOB = uuid.uuid4()


@pytest.mark.parametrize("event", [
    CallbackEvent("started", JOB, 1, 1),
    CallbackEvent("check", JOB, 2, 7),
    CallbackEvent("progress", JOB, 1, 3, progress=Progress(42.5, 4.2, 1.5, 3.0)),
    CallbackEvent("completed", JOB, 1, 9, output_key="out/a.mp4", output_size=1234,
                  media=make_media(), warnings=("w",)),
    CallbackEvent("completed", JOB, 2, 9, output_key="out/l/master.m3u8", output_size=300,
                  package_size=750_300, media=make_media()),
    CallbackEvent("failed", JOB, 3, 4, message="ffmpeg exited 1", warnings=("x",)),
    CallbackEvent("crashed", JOB, 1, 5, message="Sandbox.Timedout"),
])
def test_every_event_survives_the_round_trip(event):
    assert event_from_json(event_to_json(event)) == event


@pytest.mark.parametrize("mutate", [
    lambda d: d.update(extra=1),
    lambda d: d.pop("seq"),
    lambda d: d.update(event="deleted"),
    lambda d: d.update(run=0),
    lambda d: d.update(run="1"),
    lambda d: d.update(job_id="not-a-uuid"),
    lambda d: d["progress"].update(percent=101),
    lambda d: d["progress"].update(percent=True),
    lambda d: d["progress"].update(eta=-1),
])
def test_anything_but_exactly_one_event_is_refused(mutate):
    data = json.loads(event_to_json(
        CallbackEvent("progress", JOB, 1, 3, progress=Progress(10.0, None, None, None))))
    mutate(data)

    with pytest.raises(InvalidMessage):
        event_from_json(json.dumps(data).encode())


@pytest.mark.parametrize("body", [b"", b"[]", b"{", b'{"event": NaN}', b"x" * 600_000])
def test_bodies_that_are_not_json_objects_are_refused(body):
    with pytest.raises(InvalidMessage):
        event_from_json(body)
