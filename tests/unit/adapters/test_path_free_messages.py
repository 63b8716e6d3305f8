"""Adapter errors name keys and settings, never an absolute server path."""

from pathlib import Path

import pytest

from mpr.adapters.ffmpeg.prober import FfprobeProber
from mpr.adapters.ffmpeg.process import run_ffmpeg
from mpr.adapters.storage.filesystem import FilesystemStorage
from mpr.adapters.storage.s3_client import storage_error
from mpr.domain.errors import ProbeError, StorageError, TranscodeError
from mpr.domain.pipeline import MediaSource


async def test_a_name_too_long_for_the_filesystem_is_reported_by_key(tmp_path: Path):
    (tmp_path / "out").mkdir()
    store = FilesystemStorage(tmp_path / "out")
    staged = tmp_path / "staged.mp4"
    staged.write_bytes(b"data")
    key = "é" * 200 + ".mp4"  # 404 bytes: a valid key, too long for one path component

    with pytest.raises(StorageError) as failed:
        await store.put_file(key, staged)

    assert "File name too long" in str(failed.value)
    assert str(tmp_path) not in str(failed.value)


async def test_a_store_that_is_not_a_directory_is_reported_without_its_path(tmp_path: Path):
    store = FilesystemStorage(tmp_path / "missing")

    with pytest.raises(StorageError) as failed:
        await store.check()

    assert str(tmp_path) not in str(failed.value)
    assert "missing" in str(failed.value)


def test_a_local_file_error_during_an_upload_does_not_show_its_path(tmp_path: Path):
    error = FileNotFoundError(2, "No such file or directory", str(tmp_path / "staged.mp4"))

    message = str(storage_error(error, "store 'a.mp4'", "bucket", "http://s3"))

    assert "No such file or directory" in message
    assert str(tmp_path) not in message


async def test_a_missing_ffprobe_binary_is_named_by_its_setting(tmp_path: Path):
    prober = FfprobeProber(str(tmp_path / "bin" / "ffprobe"))

    with pytest.raises(ProbeError, match="check MPR_FFPROBE") as failed:
        await prober.probe(MediaSource.at("clip.mp4"))

    assert str(tmp_path) not in str(failed.value)


async def test_a_missing_ffmpeg_binary_is_named_by_its_setting(tmp_path: Path):
    with pytest.raises(TranscodeError, match="check MPR_FFMPEG") as failed:
        await run_ffmpeg(str(tmp_path / "bin" / "ffmpeg"), ["-version"])

    assert str(tmp_path) not in str(failed.value)
