"""Waveforms over HTTP (issue 18): peaks of a ready asset's audio, decoded once by real ffmpeg
and cached, from the filesystem store and from S3 (moto) through a presigned URL."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from mpr.bootstrap import Services, build
from mpr.domain.identity import Role
from mpr.entrypoints.web.app import create_app
from mpr.settings import Settings
from tests.integration.media import make_clip, tone_then_silence, write_corrupt

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

TONE = 0.125  # lavfi sine's amplitude


@pytest.fixture(scope="module")
def ffmpeg_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ffmpeg-log") / "ffmpeg.log"


@pytest.fixture(scope="module")
def logging_ffmpeg(ffmpeg: str, ffmpeg_log: Path, tmp_path_factory: pytest.TempPathFactory
                   ) -> str:
    """An ffmpeg that notes each call, so the tests see every decode the server starts."""
    wrapper = tmp_path_factory.mktemp("ffmpeg-wrapper") / "ffmpeg"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {shlex.quote(str(ffmpeg_log))}\n'
                       f'exec {shlex.quote(ffmpeg)} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def decodes(ffmpeg_log: Path) -> int:
    """How many waveform decodes ffmpeg was started for."""
    if not ffmpeg_log.exists():
        return 0
    return sum("s16le" in line for line in ffmpeg_log.read_text().splitlines())


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("waveform-http")
    media = root / "media" / "in"
    tone_then_silence(media / "tone.wav")
    make_clip(media / "clip.mp4", duration=2, width=160, height=90)
    make_clip(media / "silent.mp4", duration=1, width=160, height=90, audio=False)
    write_corrupt(media / "broken.mp3")
    return root


@pytest.fixture(scope="module")
async def services(data_dir: Path, logging_ffmpeg: str) -> Services:
    return build(Settings(data_dir=data_dir, samples=False, ffmpeg=logging_ffmpeg))


@contextlib.asynccontextmanager
async def app_client(services: Services, role: Role | None = Role.VIEWER
                     ) -> AsyncIterator[AsyncTestClient]:
    """The app on a loopback host name, its media scanned, with a token of `role` (or none)."""
    async with AsyncTestClient(create_app(services, run_workers=False),
                               base_url="http://localhost") as test_client:
        await services.scan_media()
        if role is not None:
            token = await services.access.tokens.create(f"{role.value}-{uuid.uuid4().hex[:6]}",
                                                        role)
            test_client.headers["Authorization"] = f"Bearer {token.secret}"
        yield test_client


@pytest.fixture(scope="module")
async def client(services: Services) -> AsyncIterator[AsyncTestClient]:
    async with app_client(services) as test_client:
        yield test_client


@pytest.fixture(scope="module")
async def ids(client: AsyncTestClient, services: Services) -> dict[str, str]:
    return {a.filename: str(a.id) for a in await services.queries.assets()}


def url(asset_id: str) -> str:
    return f"/media/assets/{asset_id}/waveform.json"


def check_tone_then_silence(body: dict[str, Any]) -> None:
    peaks = body["peaks"]
    assert len(peaks) == 1000
    assert all(len(pair) == 2 and pair[0] <= pair[1] for pair in peaks)
    assert body["duration"] == pytest.approx(4.0, abs=0.01)
    assert all(lo == pytest.approx(-TONE, abs=0.01) and hi == pytest.approx(TONE, abs=0.01)
               for lo, hi in peaks[:495])
    assert all(lo == hi == 0 for lo, hi in peaks[505:])


async def test_a_tone_then_silence_gives_a_thousand_peaks_loud_then_flat(
        client: AsyncTestClient, ids: dict[str, str]) -> None:
    response = await client.get(url(ids["tone.wav"]))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"].startswith("private")
    check_tone_then_silence(response.json())


async def test_a_video_gets_the_waveform_of_its_audio_track(
        client: AsyncTestClient, ids: dict[str, str]) -> None:
    response = await client.get(url(ids["clip.mp4"]))

    body = response.json()
    assert response.status_code == 200
    assert body["duration"] == pytest.approx(2.0, abs=0.05)
    assert max(hi for _, hi in body["peaks"]) == pytest.approx(TONE, abs=0.02)


async def test_requests_at_once_decode_once_and_the_cache_answers_later_ones(
        services: Services, ffmpeg_log: Path, data_dir: Path) -> None:
    make_clip(data_dir / "media" / "in" / "fresh.m4a", duration=3, video=False)
    async with app_client(services) as fresh_client:
        asset = next(a for a in await services.queries.assets() if a.filename == "fresh.m4a")
        before = decodes(ffmpeg_log)

        answers = await asyncio.gather(*(fresh_client.get(url(str(asset.id)))
                                         for _ in range(6)))
        later = await fresh_client.get(url(str(asset.id)))

    assert [a.status_code for a in answers] == [200] * 6
    assert {a.content for a in answers} == {later.content}
    assert decodes(ffmpeg_log) - before == 1
    cached = data_dir / "waveforms" / str(asset.id) / "waveform-1000.json"
    assert cached.read_bytes() == later.content


async def test_refuses_what_has_no_waveform_with_a_clear_error(
        client: AsyncTestClient, ids: dict[str, str], data_dir: Path) -> None:
    silent = await client.get(url(ids["silent.mp4"]))
    broken = await client.get(url(ids["broken.mp3"]))
    unknown = await client.get(url(str(uuid.uuid4())))
    malformed = await client.get(url("not-an-id"))

    assert (silent.status_code, silent.json()["code"]) == (400, "BAD_USER_INPUT")
    assert "no audio" in silent.json()["error"]
    assert (broken.status_code, broken.json()["code"]) == (409, "CONFLICT")
    assert "not ready" in broken.json()["error"]
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")
    assert malformed.status_code == 400
    assert str(data_dir) not in silent.text + broken.text + unknown.text + malformed.text


async def test_a_source_gone_from_the_store_is_not_found_and_says_so(
        client: AsyncTestClient, services: Services, data_dir: Path) -> None:
    gone = make_clip(data_dir / "media" / "in" / "gone.mp3", duration=1, video=False)
    await services.scan_media()
    asset = next(a for a in await services.queries.assets() if a.filename == "gone.mp3")
    gone.unlink()

    before_rescan = await client.get(url(str(asset.id)))
    await services.scan_media()
    after_rescan = await client.get(url(str(asset.id)))

    assert before_rescan.status_code == after_rescan.status_code == 404
    assert "missing" in after_rescan.json()["error"]


async def test_a_source_swapped_for_a_playlist_after_its_probe_is_refused_and_not_cached(
        client: AsyncTestClient, services: Services, data_dir: Path,
        ffmpeg_log: Path) -> None:
    swapped = make_clip(data_dir / "media" / "in" / "swapped.mp3", duration=1, video=False)
    await services.scan_media()
    asset = next(a for a in await services.queries.assets() if a.filename == "swapped.mp3")
    secret = data_dir / "secret.wav"
    tone_then_silence(secret)
    swapped.write_text(f"#EXTM3U\n#EXTINF:4,\nfile:{secret}\n#EXT-X-ENDLIST\n")

    response = await client.get(url(str(asset.id)))

    assert response.status_code == 503
    assert response.json()["code"] == "TRANSCODE_ERROR"
    assert str(secret) not in response.text
    assert not (data_dir / "waveforms" / str(asset.id)).exists()


@pytest.mark.parametrize("role", [None, Role.VIEWER])
async def test_anonymous_callers_are_refused_where_the_media_routes_refuse_them(
        services: Services, ids: dict[str, str], role: Role | None) -> None:
    async with app_client(services, role) as caller:
        waveform = await caller.get(url(ids["tone.wav"]))
        media = await caller.get(f"/media/assets/{ids['tone.wav']}")

    assert waveform.status_code == media.status_code == (401 if role is None else 200)
    if role is None:
        assert waveform.json()["code"] == "UNAUTHENTICATED"


async def test_s3_waveform_reads_the_presigned_object_and_matches_the_filesystem_one(
        s3_env: dict[str, str], s3_client: S3Client, data_dir: Path,
        client: AsyncTestClient, ids: dict[str, str]) -> None:
    s3_client.put_object(Bucket=s3_env["MPR_S3_BUCKET_IN"], Key="tone.wav",
                         Body=(data_dir / "media" / "in" / "tone.wav").read_bytes())
    local = await client.get(url(ids["tone.wav"]))
    with pytest.MonkeyPatch.context() as env:
        for name, value in s3_env.items():
            env.setenv(name, value)
        services = build(Settings(data_dir=data_dir / "s3-side", samples=False))
        async with app_client(services) as s3_caller:
            (asset,) = await services.queries.assets()
            response = await s3_caller.get(url(str(asset.id)))

    assert response.status_code == 200
    check_tone_then_silence(response.json())
    assert response.json()["peaks"] == local.json()["peaks"]
