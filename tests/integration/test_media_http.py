"""Media over HTTP from the filesystem store: byte ranges, downloads, hostile names, thumbnails."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx
import pytest
from litestar.testing import AsyncTestClient

from mpr.bootstrap import Services, build
from mpr.domain.identity import Role
from mpr.entrypoints.web.app import create_app
from mpr.settings import Settings
from tests.integration.media import make_clip

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

HOSTILE = 'été "quoted"; name.mp4'


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("media-http")
    make_clip(root / "media" / "in" / "clip.mp4", duration=2, width=320, height=180)
    make_clip(root / "media" / "in" / HOSTILE, duration=1, width=160, height=90)
    make_clip(root / "media" / "in" / "tone.mp3", duration=1, video=False)
    return root


@pytest.fixture(scope="module")
async def services(data_dir: Path) -> Services:
    return build(Settings(data_dir=data_dir, samples=False))


@contextlib.asynccontextmanager
async def viewer_client(services: Services) -> AsyncIterator[AsyncTestClient]:
    """The app on a loopback host name, its media scanned, sending a viewer's token."""
    async with AsyncTestClient(create_app(services, run_workers=False),
                               base_url="http://localhost") as test_client:
        await services.scan_media()
        viewer = await services.access.tokens.create(f"viewer-{uuid.uuid4().hex[:6]}",
                                                     Role.VIEWER)
        test_client.headers["Authorization"] = f"Bearer {viewer.secret}"
        yield test_client


@pytest.fixture(scope="module")
async def client(services: Services) -> AsyncIterator[AsyncTestClient]:
    async with viewer_client(services) as test_client:
        yield test_client


@pytest.fixture(scope="module")
async def ids(client: AsyncTestClient, services: Services) -> dict[str, str]:
    return {a.filename: str(a.id) for a in await services.queries.assets()}


def original(data_dir: Path, name: str = "clip.mp4") -> bytes:
    return (data_dir / "media" / "in" / name).read_bytes()


async def test_serves_the_whole_file_and_says_ranges_are_accepted(
        client: AsyncTestClient, ids: dict[str, str], data_dir: Path) -> None:
    response = await client.get(f"/media/assets/{ids['clip.mp4']}")

    assert response.status_code == 200
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-type"] == "video/mp4"
    assert response.content == original(data_dir)


@pytest.mark.parametrize(("header", "first", "last"), [
    ("bytes=10-19", 10, 19), ("bytes=100-", 100, None), ("bytes=-50", -50, None),
    ("bytes=0-99999999", 0, None)])
async def test_answers_a_range_with_206_and_exactly_those_bytes(
        client: AsyncTestClient, ids: dict[str, str], data_dir: Path,
        header: str, first: int, last: int | None) -> None:
    body = original(data_dir)
    expected = body[first:] if last is None else body[first:last + 1]
    start = first % len(body)

    response = await client.get(f"/media/assets/{ids['clip.mp4']}", headers={"Range": header})

    assert response.status_code == 206
    assert response.content == expected
    assert response.headers["content-range"] == (
        f"bytes {start}-{start + len(expected) - 1}/{len(body)}")
    assert response.headers["content-length"] == str(len(expected))


async def test_refuses_a_range_past_the_end_with_416(
        client: AsyncTestClient, ids: dict[str, str], data_dir: Path) -> None:
    size = len(original(data_dir))

    response = await client.get(f"/media/assets/{ids['clip.mp4']}",
                                headers={"Range": f"bytes={size}-"})

    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"


async def test_a_hostile_file_name_is_quoted_safely_in_the_download_header(
        client: AsyncTestClient, ids: dict[str, str], data_dir: Path) -> None:
    response = await client.get(f"/media/assets/{ids[HOSTILE]}", params={"download": "1"})

    disposition = response.headers["content-disposition"]
    assert response.status_code == 200
    assert response.content == original(data_dir, HOSTILE)
    assert disposition.startswith('attachment; filename="_t_ _quoted__ name.mp4"; ')
    assert disposition.endswith(f"filename*=UTF-8''{quote(HOSTILE)}")


async def test_unknown_and_malformed_ids_are_404_and_400_without_paths(
        client: AsyncTestClient, data_dir: Path) -> None:
    unknown = await client.get("/media/assets/00000000-0000-4000-8000-000000000000")
    malformed = await client.get("/media/assets/not-an-id")
    traversal = await client.get("/media/assets/..%2F..%2Fetc%2Fpasswd")

    assert (unknown.status_code, malformed.status_code, traversal.status_code) == (404, 400, 404)
    assert unknown.json()["code"] == "NOT_FOUND"
    assert str(data_dir) not in unknown.text + malformed.text + traversal.text


async def test_a_registered_file_gone_from_the_store_is_404_without_its_path(
        client: AsyncTestClient, services: Services, data_dir: Path) -> None:
    gone = data_dir / "media" / "in" / "gone.mp4"
    make_clip(gone, duration=1, width=160, height=90)
    await services.scan_media()
    asset = next(a for a in await services.queries.assets() if a.filename == "gone.mp4")
    gone.unlink()

    response = await client.get(f"/media/assets/{asset.id}")

    assert response.status_code == 404
    assert str(data_dir) not in response.text


async def test_makes_a_jpeg_thumbnail_once_and_serves_it_from_the_cache(
        client: AsyncTestClient, ids: dict[str, str], data_dir: Path) -> None:
    url = f"/media/assets/{ids['clip.mp4']}/thumbnail"

    first = await client.get(url, params={"t": "1.04", "w": "160"})
    cached = list((data_dir / "thumbnails").rglob("*.jpg"))
    again = await client.get(url, params={"t": "1.0", "w": "160"})

    assert first.status_code == again.status_code == 200
    assert first.headers["content-type"] == "image/jpeg"
    assert first.content[:2] == b"\xff\xd8"
    assert [p.name for p in cached] == ["160-1000.jpg"]
    assert list((data_dir / "thumbnails").rglob("*.jpg")) == cached


@pytest.mark.parametrize(("name", "params"), [("tone.mp3", {"t": "0.5"}),
                                              ("clip.mp4", {"t": "1", "w": "5000"}),
                                              ("clip.mp4", {"t": "-1"})])
async def test_refuses_thumbnails_without_video_or_with_bad_parameters(
        client: AsyncTestClient, ids: dict[str, str],
        name: str, params: dict[str, str]) -> None:
    response = await client.get(f"/media/assets/{ids[name]}/thumbnail", params=params)

    assert response.status_code == 400
    assert response.json()["code"] == "BAD_USER_INPUT"


@pytest.fixture
async def s3_client_app(s3_env: dict[str, str], s3_client: S3Client, data_dir: Path
                        ) -> AsyncIterator[tuple[AsyncTestClient, Services]]:
    """The app on the S3 storage (moto) with clip.mp4 in its input bucket, scanned."""
    s3_client.put_object(Bucket=s3_env["MPR_S3_BUCKET_IN"], Key="clip.mp4",
                         Body=original(data_dir))
    with pytest.MonkeyPatch.context() as env:
        for name, value in s3_env.items():
            env.setenv(name, value)
        services = build(Settings(data_dir=data_dir / "s3-side", samples=False))
        async with viewer_client(services) as test_client:
            yield test_client, services


async def test_s3_media_redirects_to_a_presigned_url_that_serves_ranges(
        s3_client_app: tuple[AsyncTestClient, Services], data_dir: Path) -> None:
    client, services = s3_client_app
    asset = (await services.queries.assets())[0]

    response = await client.get(f"/media/assets/{asset.id}", follow_redirects=False)
    async with httpx.AsyncClient() as direct:
        ranged = await direct.get(response.headers["location"], headers={"Range": "bytes=0-99"})

    assert response.status_code == 307
    assert "X-Amz-Signature=" in response.headers["location"]
    assert (ranged.status_code, ranged.content) == (206, original(data_dir)[:100])
