import json

from mpr.domain.media import MediaInfo
from mpr.domain.properties import (
    MAX_TEXT_BYTES,
    MAX_TOTAL_BYTES,
    TRUNCATED_KEY,
    TRUNCATED_MARK,
    bounded_properties,
)
from tests.factories import NOW, make_asset, make_media


def probe_data(*, comment: str = "hi", streams: int = 2, stream_tags: int = 1) -> dict:
    return {
        "format": {"format_name": "mov,mp4", "duration": "2.0", "tags": {"comment": comment}},
        "streams": [{"index": i, "codec_type": "video" if i == 0 else "audio",
                     "tags": {f"tag{n}": "x" * 100 for n in range(stream_tags)}}
                    for i in range(streams)],
    }


def size_of(data: dict) -> int:
    return len(json.dumps(data, ensure_ascii=False).encode())


def test_probe_data_within_the_bounds_is_kept_as_it_is():
    data = probe_data()

    assert bounded_properties(data) == data


def test_a_huge_tag_is_cut_with_a_marker_and_the_cut_is_recorded():
    bounded = bounded_properties(probe_data(comment="A" * 8 * 1024 * 1024))

    comment = bounded["format"]["tags"]["comment"]
    assert comment.endswith(TRUNCATED_MARK)
    assert len(comment.encode()) <= MAX_TEXT_BYTES
    assert bounded[TRUNCATED_KEY] == {"strings": 1}
    assert bounded["format"]["format_name"] == "mov,mp4"


def test_a_huge_key_is_cut_too():
    bounded = bounded_properties({"format": {"tags": {"k" * 5000: "v"}}})

    (key,) = bounded["format"]["tags"]
    assert len(key.encode()) <= MAX_TEXT_BYTES


def test_text_is_cut_between_characters_never_inside_one():
    bounded = bounded_properties({"format": {"title": "é" * 2000}})

    title = bounded["format"]["title"]
    assert title == "é" * len(title.removesuffix(TRUNCATED_MARK)) + TRUNCATED_MARK


def test_tags_go_before_the_structure_when_the_whole_is_too_large():
    bounded = bounded_properties(probe_data(streams=3, stream_tags=1000))

    assert size_of(bounded) <= MAX_TOTAL_BYTES
    assert [s["index"] for s in bounded["streams"]] == [0, 1, 2]
    assert [s["codec_type"] for s in bounded["streams"]] == ["video", "audio", "audio"]
    assert all("tags" not in s for s in bounded["streams"])
    assert bounded["format"]["tags"] == {"comment": "hi"}  # small tags that fit stay
    assert bounded[TRUNCATED_KEY]["tags_dropped"] is True


def test_thousands_of_streams_are_cut_to_the_total_bound_keeping_the_first():
    bounded = bounded_properties(probe_data(streams=20_000))

    assert size_of(bounded) <= MAX_TOTAL_BYTES
    assert bounded["streams"][0]["codec_type"] == "video"
    assert bounded[TRUNCATED_KEY]["cut_at_size_limit"] is True


def test_nesting_beyond_the_depth_bound_is_left_out():
    deep: dict = {"leaf": 1}
    for _ in range(50):
        deep = {"d": deep}

    bounded = bounded_properties({"format": deep})

    assert size_of(bounded) < 1000
    assert bounded[TRUNCATED_KEY]["too_deep"] is True


def test_a_ready_asset_keeps_only_bounded_properties():
    asset = make_asset(status="pending", media=MediaInfo())
    media = make_media(properties=probe_data(comment="A" * 100_000))

    asset.mark_ready(media, NOW)

    assert asset.media.properties[TRUNCATED_KEY] == {"strings": 1}
    assert (asset.media.width, asset.media.video_codec) == (media.width, media.video_codec)


def test_a_probe_error_message_is_cut_to_a_sane_length():
    asset = make_asset()

    asset.mark_error("bad " * 100_000, NOW)

    assert asset.error_message is not None
    assert len(asset.error_message) <= 2000
