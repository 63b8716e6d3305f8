"""Reading a source's last second tells a truncated file from a complete one."""

import json

import pytest

from mpr.adapters.ffmpeg.truncation import tail_start, truncation_reason
from tests.factories import make_media


def probed(format_name: str = "mov,mp4,m4a,3gp,3g2,mj2", duration: float | None = 10.0,
           start_time: str = "0.000000"):
    return make_media(duration=duration, properties={
        "format": {"format_name": format_name, "start_time": start_time}})


def packets(*spans: tuple[str, str]) -> bytes:
    return json.dumps({"packets": [{"pts_time": pts, "duration_time": dur}
                                   for pts, dur in spans]}).encode()


@pytest.mark.parametrize("format_name", ["mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "flac",
                                         "avi"])
def test_indexed_containers_are_read_from_one_second_before_their_end(format_name):
    assert tail_start(probed(format_name, 10.0, "1.400000")) == pytest.approx(10.4)


@pytest.mark.parametrize("format_name", ["mp3", "aac", "wav", "mpegts", "ogg"])
def test_containers_whose_duration_follows_their_size_are_not_read(format_name):
    assert tail_start(probed(format_name)) is None


def test_a_file_of_unknown_duration_is_not_read():
    assert tail_start(probed(duration=None)) is None


def test_packets_up_to_the_duration_mean_a_complete_file():
    assert truncation_reason(probed(), packets(("9.000", "0.040"), ("9.960", "0.040"))) is None


def test_packets_that_stop_early_mean_a_truncated_file():
    reason = truncation_reason(probed(), packets(("1.000", "0.040"), ("1.720", "0.040")))

    assert reason == "the file appears truncated: media data ends at 1.8 s of 10.0 s"


def test_the_container_start_time_is_not_counted_as_media():
    truncated = probed(start_time="1.400000")

    assert truncation_reason(truncated, packets(("11.380", "0.040"))) is None
    assert "ends at 5.0 s of 10.0 s" in (truncation_reason(truncated, packets(("6.4", "0"))) or "")


def test_no_packet_at_all_means_the_index_points_past_the_end():
    for answer in (packets(), b"{}", b"not json", packets(("N/A", "N/A"))):
        assert truncation_reason(probed(), answer) == (
            "the file appears truncated: no media data can be read in its last second "
            "(of 10.0 s)")
