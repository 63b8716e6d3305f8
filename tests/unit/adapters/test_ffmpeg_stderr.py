"""StderrTail: the tail for failures, the distinct lines for the warnings of a success."""

import asyncio

from mpr.adapters.ffmpeg.transcoder import TAIL_CHARS, StderrTail
from mpr.domain.job import MAX_WARNINGS


async def drained(*chunks: bytes) -> StderrTail:
    stream = asyncio.StreamReader()
    for chunk in chunks:
        stream.feed_data(chunk)
    stream.feed_eof()
    tail = StderrTail()
    await tail.drain(stream)
    return tail


async def test_lines_lose_their_addresses_and_repeats_with_other_numbers_count_once():
    tail = await drained(
        b"[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55c7d976a9c0] stream 1, offset 0x62c5b: partial file\n",
        b"[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55c7d976a9c0] stream 1, offset 0x62d16: partial file\n",
        b"[NULL @ 0x55c7d976bec0] Invalid NAL unit size (9041 > 4470).\n",
        b"    Last message repeated 3 times\n")

    assert tail.distinct_lines() == [
        "mov,mp4,m4a,3gp,3g2,mj2: stream 1, offset 0x62c5b: partial file",
        "Invalid NAL unit size (9041 > 4470).",
    ]


async def test_a_line_split_across_chunks_is_one_line():
    tail = await drained(b"Error while decod", b"ing stream #0:0\nlast line without newline")

    assert tail.distinct_lines() == ["Error while decoding stream #0:0",
                                     "last line without newline"]


async def test_the_lines_kept_are_bounded_whatever_ffmpeg_prints():
    chatter = b"".join(b"warning kind %d\n" % n for n in range(10_000)) + b"y" * 1_000_000
    flood = [f"distinct warning {chr(65 + n % 26) * (n + 1)}\n".encode() for n in range(200)]

    tail = await drained(*flood, chatter)

    lines = tail.distinct_lines()
    assert len(lines) == MAX_WARNINGS
    assert all(len(line) <= TAIL_CHARS for line in lines)
    assert len(tail.text()) <= 4096
