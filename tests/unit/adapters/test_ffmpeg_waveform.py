import asyncio
import json
from array import array

import pytest

from mpr.adapters.ffmpeg import waveform
from mpr.adapters.ffmpeg.command import SOURCE_FORMATS
from mpr.adapters.ffmpeg.waveform import FfmpegWaveforms
from mpr.domain.errors import TranscodeError, TranscodeTimeout, ValidationError
from mpr.domain.pipeline import MediaSource

KEY = "0b5e7e57-2d1c-4d7e-9a53-5b1f7d1c2a10/waveform-1000"
SOURCE = MediaSource.at("/in/a.mp3")


class FakeChild:
    """Stands in for an ffmpeg process: its PCM on stdout, its words on stderr, its exit."""

    def __init__(self, pcm: bytes, code: int, stderr: bytes, hang: bool) -> None:
        self.stdout, self.stderr = asyncio.StreamReader(), asyncio.StreamReader()
        self.code, self.killed = code, False
        self._ended = asyncio.Event()
        self.stdout.feed_data(pcm)
        self.stderr.feed_data(stderr)
        if not hang:
            self._end()

    def _end(self) -> None:
        self.stdout.feed_eof()
        self.stderr.feed_eof()
        self._ended.set()

    async def wait(self) -> int:
        await self._ended.wait()
        return self.code

    def kill(self) -> None:
        if self._ended.is_set():
            raise ProcessLookupError
        self.killed, self.code = True, -9
        self._end()


class FakeFfmpeg:
    """start_child for ffmpeg: records each run's argv and hands out a FakeChild."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []
        self.children: list[FakeChild] = []
        self.pcm = array("h", [1000, -1000] * 4000).tobytes()  # 1 s at 8 kHz
        self.code, self.stderr, self.hang = 0, b"", False

    async def __call__(self, argv: list[str], **options: object) -> FakeChild:
        self.runs.append(argv)
        await asyncio.sleep(0)
        child = FakeChild(self.pcm, self.code, self.stderr, self.hang)
        self.children.append(child)
        return child


@pytest.fixture
def ffmpeg(monkeypatch):
    fake = FakeFfmpeg()
    monkeypatch.setattr(waveform, "start_child", fake)
    return fake


async def test_decodes_the_first_audio_stream_to_low_rate_mono_pcm_through_a_pipe(
        tmp_path, ffmpeg):
    maker = FfmpegWaveforms("ffmpeg", tmp_path, peaks=10)

    path = await maker.waveform(SOURCE, KEY, 1.0)

    (argv,) = ffmpeg.runs
    assert argv[argv.index("-map") + 1] == "0:a:0"
    assert argv[-7:] == ["-ac", "1", "-ar", "8000", "-f", "s16le", "pipe:1"]
    assert argv[argv.index("-format_whitelist") + 1] == ",".join(SOURCE_FORMATS)
    assert argv[argv.index("-protocol_whitelist") + 1] == "file"
    body = json.loads(path.read_bytes())
    assert (body["duration"], len(body["peaks"])) == (1.0, 10)
    assert set(map(tuple, body["peaks"])) == {(round(-1000 / 32768, 3), round(1000 / 32768, 3))}


async def test_requests_at_once_share_one_decode_and_later_ones_read_the_cache(
        tmp_path, ffmpeg):
    maker = FfmpegWaveforms("ffmpeg", tmp_path)

    paths = await asyncio.gather(*(maker.waveform(SOURCE, KEY, 1.0) for _ in range(8)))
    again = await maker.waveform(SOURCE, KEY, 1.0)

    assert len(ffmpeg.runs) == 1
    assert set(paths) == {again} == {tmp_path / f"{KEY}.json"}


async def test_a_failed_decode_says_what_ffmpeg_said_and_caches_nothing(tmp_path, ffmpeg):
    maker = FfmpegWaveforms("ffmpeg", tmp_path)
    ffmpeg.code, ffmpeg.stderr = 1, b"Stream map '0:a:0' matches no streams."

    with pytest.raises(TranscodeError, match="matches no streams"):
        await maker.waveform(SOURCE, KEY, 1.0)

    assert list(tmp_path.rglob("*")) == []


async def test_a_decode_that_yields_no_samples_is_an_error(tmp_path, ffmpeg):
    ffmpeg.pcm = b""

    with pytest.raises(TranscodeError, match="no audio samples"):
        await FfmpegWaveforms("ffmpeg", tmp_path).waveform(SOURCE, KEY, 1.0)


async def test_a_decode_past_its_time_is_killed_and_reported_as_a_timeout(tmp_path, ffmpeg):
    maker = FfmpegWaveforms("ffmpeg", tmp_path, timeout=0.05)
    ffmpeg.hang = True

    with pytest.raises(TranscodeTimeout):
        await maker.waveform(SOURCE, KEY, 0.0)

    assert ffmpeg.children[0].killed
    assert list(tmp_path.rglob("*.json")) == []


async def test_a_longer_media_gets_a_longer_time_limit(tmp_path, ffmpeg, monkeypatch):
    limits: list[float] = []
    original = asyncio.timeout
    monkeypatch.setattr(waveform.asyncio, "timeout",
                        lambda seconds: limits.append(seconds) or original(seconds))
    maker = FfmpegWaveforms("ffmpeg", tmp_path, timeout=30)

    await maker.waveform(SOURCE, KEY, 3600.0)

    assert limits == [30 + 3600 * waveform.SECONDS_PER_MEDIA_SECOND]


@pytest.mark.parametrize("key", ["../../etc/passwd", f"{KEY}/../x", "x" * 36 + "/waveform-1"])
async def test_refuses_cache_keys_that_are_not_an_asset_id_and_a_name(tmp_path, ffmpeg, key):
    with pytest.raises(ValidationError):
        await FfmpegWaveforms("ffmpeg", tmp_path).waveform(SOURCE, key, 1.0)

    assert ffmpeg.runs == []
