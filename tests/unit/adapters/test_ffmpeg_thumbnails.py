import asyncio
from pathlib import Path

import pytest

from mpr.adapters.ffmpeg import thumbnails
from mpr.adapters.ffmpeg.thumbnails import FfmpegThumbnails
from mpr.domain.errors import TranscodeError
from mpr.domain.pipeline import MediaSource

KEY = "0b5e7e57-2d1c-4d7e-9a53-5b1f7d1c2a10/160-2000"
SOURCE = MediaSource.at("/in/a.mp4")


class SlowFfmpeg:
    """Stands in for the ffmpeg process: writes the JPEG it is asked for, after a while."""

    def __init__(self, fail: bool = False) -> None:
        self.runs = 0
        self.fail = fail

    async def __call__(self, ffmpeg: str, args: list[str], timeout: float,
                       pass_fds: tuple[int, ...] = ()) -> None:
        self.runs += 1
        await asyncio.sleep(0.01)
        if self.fail:
            raise TranscodeError("Invalid data found when processing input")
        Path(args[-1].removeprefix("file:")).write_bytes(b"\xff\xd8jpeg")


@pytest.fixture
def ffmpeg(monkeypatch):
    fake = SlowFfmpeg()
    monkeypatch.setattr(thumbnails, "run_ffmpeg", fake)
    return fake


async def test_requests_for_one_frame_at_once_share_one_grab(tmp_path, ffmpeg):
    maker = FfmpegThumbnails("ffmpeg", tmp_path, concurrency=4)

    paths = await asyncio.gather(*(maker.thumbnail(SOURCE, KEY, 2.0, 160)
                                   for _ in range(10)))

    assert ffmpeg.runs == 1
    assert set(paths) == {tmp_path / f"{KEY}.jpg"}


async def test_a_caller_that_leaves_does_not_stop_the_grab_for_the_others(tmp_path, ffmpeg):
    maker = FfmpegThumbnails("ffmpeg", tmp_path)
    leaving = asyncio.create_task(maker.thumbnail(SOURCE, KEY, 2.0, 160))
    staying = asyncio.create_task(maker.thumbnail(SOURCE, KEY, 2.0, 160))
    await asyncio.sleep(0)

    leaving.cancel()

    assert (await staying).read_bytes() == b"\xff\xd8jpeg"
    assert ffmpeg.runs == 1


async def test_a_failed_grab_fails_its_callers_and_the_next_request_tries_again(
        tmp_path, ffmpeg):
    maker = FfmpegThumbnails("ffmpeg", tmp_path)
    ffmpeg.fail = True

    outcomes = await asyncio.gather(*(maker.thumbnail(SOURCE, KEY, 2.0, 160)
                                      for _ in range(3)), return_exceptions=True)
    ffmpeg.fail = False
    path = await maker.thumbnail(SOURCE, KEY, 2.0, 160)

    assert [type(o) for o in outcomes] == [TranscodeError] * 3
    assert (ffmpeg.runs, path.is_file()) == (2, True)
    assert [p.name for p in path.parent.iterdir()] == [path.name]
