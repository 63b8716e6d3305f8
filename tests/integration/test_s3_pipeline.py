"""Real jobs through the services with MPR_STORAGE=s3 against an S3 HTTP endpoint (moto)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mpr.application.create_job import CreateJobCommand
from mpr.bootstrap import Services, build
from mpr.domain.asset import MediaAsset
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.settings import Settings
from tests.integration.media import make_clip, probe
from tests.integration.s3_fixtures import CREDENTIALS

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SOURCE_KEY = "sub folder/-café 日本 +#1.mp4"
DONE = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("s3-clips")
    return {"short": make_clip(root / "short.mp4", duration=4, width=320, height=180),
            "long": make_clip(root / "long.mp4", duration=20, width=640, height=360)}


@pytest.fixture
def buckets(new_bucket: Callable[[], str]) -> tuple[str, str]:
    return new_bucket(), new_bucket()


@pytest.fixture
def settings(tmp_path: Path, moto_endpoint: str, buckets: tuple[str, str],
             monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return Settings(data_dir=tmp_path / "data", storage="s3", s3_endpoint_url=moto_endpoint,
                    s3_bucket_in=buckets[0], s3_bucket_out=buckets[1], samples=False,
                    worker_concurrency=2)


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    services = build(settings)
    await services.prepare()
    await services.start_embedded_workers()
    yield services
    await services.close()


def objects(client: S3Client, bucket: str) -> dict[str, str]:
    """Every object of a bucket: key -> ETag."""
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}


async def scanned_asset(services: Services) -> MediaAsset:
    result = await services.scan_media()
    assert result.registered >= 1
    (asset,) = [a for a in await services.queries.assets() if a.file_path == SOURCE_KEY]
    return asset


async def preset_id(services: Services, name: str) -> str:
    return str(next(p.id for p in await services.queries.presets() if p.name == name))


async def wait_for(services: Services, job: TranscodeJob, *statuses: JobStatus,
                   timeout: float = 60) -> TranscodeJob:
    deadline = time.monotonic() + timeout
    while (current := await services.queries.job(str(job.id))).status not in statuses:
        assert time.monotonic() < deadline, f"job is {current.status}: {current.error_message}"
        await asyncio.sleep(0.1)
    return current


async def test_jobs_read_the_source_bucket_and_store_outputs_in_the_output_bucket(
        services: Services, s3_client: S3Client, buckets: tuple[str, str],
        clips: dict[str, Path], tmp_path: Path) -> None:
    s3_client.upload_file(str(clips["short"]), buckets[0], SOURCE_KEY)
    before = objects(s3_client, buckets[0])
    asset = await scanned_asset(services)
    copy = await services.create_job(CreateJobCommand(str(asset.id), trim_start=1, trim_end=3))
    h264 = await services.create_job(CreateJobCommand(
        str(asset.id), await preset_id(services, "h264-480p"), trim_start=0.5, trim_end=2.5))

    done = [await wait_for(services, job, *DONE) for job in (copy, h264)]

    assert [job.status for job in done] == [JobStatus.COMPLETED] * 2, done
    assert objects(s3_client, buckets[0]) == before  # the source is untouched
    assert set(objects(s3_client, buckets[1])) == {job.output_path for job in done}
    durations = []
    for job in done:
        local = tmp_path / f"{job.id}.mp4"
        s3_client.download_file(buckets[1], job.output_path, str(local))
        durations.append(probe(local).duration)
    assert 1.9 <= durations[0] <= 3.1  # a copy cut starts on the keyframe before 1 s
    assert durations[1] == pytest.approx(2, abs=0.2)
    assert asset.media.duration is not None
    assert not any(services.output_storage.staging_dir().iterdir())


async def test_a_failed_job_leaves_no_object_behind(
        services: Services, s3_client: S3Client, buckets: tuple[str, str],
        clips: dict[str, Path]) -> None:
    s3_client.upload_file(str(clips["short"]), buckets[0], SOURCE_KEY)
    asset = await scanned_asset(services)
    s3_client.put_object(Bucket=buckets[0], Key=SOURCE_KEY, Body=b"not media any more" * 100)
    job = await services.create_job(CreateJobCommand(
        str(asset.id), await preset_id(services, "h264-480p")))

    failed = await wait_for(services, job, *DONE)

    assert failed.status is JobStatus.FAILED
    assert objects(s3_client, buckets[1]) == {}
    assert not any(services.output_storage.staging_dir().iterdir())


async def test_a_cancelled_job_leaves_no_object_behind(
        services: Services, s3_client: S3Client, buckets: tuple[str, str],
        clips: dict[str, Path]) -> None:
    s3_client.upload_file(str(clips["long"]), buckets[0], SOURCE_KEY)
    asset = await scanned_asset(services)
    job = await services.create_job(CreateJobCommand(
        str(asset.id), await preset_id(services, "h265-1080p")))
    await wait_for(services, job, JobStatus.PROCESSING, *DONE)
    await asyncio.sleep(0.5)

    cancelled = await services.cancel_job(str(job.id))
    await asyncio.sleep(0.5)

    assert cancelled.status is JobStatus.CANCELLED
    assert (await services.queries.job(str(job.id))).status is JobStatus.CANCELLED
    assert objects(s3_client, buckets[1]) == {}
    assert not any(services.output_storage.staging_dir().iterdir())


async def test_a_source_deleted_after_registration_fails_the_job_saying_so(
        services: Services, s3_client: S3Client, buckets: tuple[str, str],
        clips: dict[str, Path]) -> None:
    s3_client.upload_file(str(clips["short"]), buckets[0], SOURCE_KEY)
    asset = await scanned_asset(services)
    s3_client.delete_object(Bucket=buckets[0], Key=SOURCE_KEY)
    job = await services.create_job(CreateJobCommand(str(asset.id)))

    failed = await wait_for(services, job, *DONE)

    assert failed.status is JobStatus.FAILED
    assert failed.error_message is not None
    assert "no longer in the input store" in failed.error_message
    assert SOURCE_KEY in failed.error_message
    assert objects(s3_client, buckets[1]) == {}


async def test_concurrent_scans_register_each_object_once(
        services: Services, s3_client: S3Client, buckets: tuple[str, str],
        clips: dict[str, Path]) -> None:
    keys = [f"batch/{n:02d} clip.mp4" for n in range(8)]
    for key in keys:
        s3_client.upload_file(str(clips["short"]), buckets[0], key)

    first, second = await asyncio.gather(services.scan_media(), services.scan_media())

    assert first == second  # the second call joined the running scan and shares its result
    assert first.registered == len(keys)
    assets = await services.queries.assets(location="input", limit=100)
    assert sorted(a.file_path for a in assets) == keys
    assert all(a.status.value == "ready" for a in assets)


async def test_scan_finds_media_past_the_first_thousand_objects(
        services: Services, s3_client: S3Client, buckets: tuple[str, str],
        clips: dict[str, Path]) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: s3_client.put_object(
            Bucket=buckets[0], Key=f"notes/{n:04d}.txt", Body=b"x"), range(1050)))
    s3_client.upload_file(str(clips["short"]), buckets[0], "zz/last.mp4")  # listed last

    result = await services.scan_media()

    assert (result.found, result.registered) == (1, 1)
    (asset,) = await services.queries.assets(location="input")
    assert (asset.file_path, asset.status.value) == ("zz/last.mp4", "ready")


async def test_status_reports_a_missing_bucket_by_name(
        settings: Settings) -> None:
    services = build(settings.model_copy(update={"s3_bucket_out": "mpr-missing-out"}))

    report = await services.system_status()

    by_name = {c.name: c for c in report.components}
    assert report.status == "degraded"
    assert by_name["storage_in"].ok
    assert not by_name["storage_out"].ok
    assert "bucket 'mpr-missing-out' does not exist" in by_name["storage_out"].detail
    await services.close()


async def test_buckets_are_created_at_start_only_when_the_setting_says_so(
        settings: Settings, s3_client: S3Client) -> None:
    suffix = uuid.uuid4().hex[:12]
    names = {"s3_bucket_in": f"mpr-made-in-{suffix}", "s3_bucket_out": f"mpr-made-out-{suffix}"}
    plain = build(settings.model_copy(update=names))
    creating = build(settings.model_copy(update={**names, "s3_create_buckets": True}))

    await plain.prepare()
    existing_after_plain = {b["Name"] for b in s3_client.list_buckets()["Buckets"]}
    await creating.prepare()
    report = await creating.system_status()

    assert not set(names.values()) & existing_after_plain
    assert {c.name: c.ok for c in report.components}["storage_out"]
    for services in (plain, creating):
        await services.close()
