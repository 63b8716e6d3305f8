import json

from mpr.application.scan_media import ScanMedia
from mpr.domain.properties import MAX_TOTAL_BYTES
from tests.factories import make_media

HOSTILE_PROBE = {
    "format": {"format_name": "mov,mp4", "tags": {"comment": "A" * 8 * 1024 * 1024}},
    "streams": [{"index": i, "codec_type": "audio", "tags": {"title": "t" * 900}}
                for i in range(500)],
}


async def test_a_scanned_file_with_huge_tags_keeps_bounded_properties(uow, tables,
                                                                      input_storage, prober,
                                                                      clock):
    input_storage.objects = {"tagged.mp4": b"x"}
    prober.media = {"tagged.mp4": make_media(properties=HOSTILE_PROBE)}

    await ScanMedia(uow, input_storage, prober, clock)()

    (asset,) = tables.assets.values()
    properties = asset.media.properties
    assert len(json.dumps(properties).encode()) <= MAX_TOTAL_BYTES
    assert properties["truncated"]["tags_dropped"] is True
    assert len(properties["streams"]) == 500
    assert asset.media.duration == make_media().duration
