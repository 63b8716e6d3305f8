"""On S3 too, a job cancelled while its worker is dead leaves nothing: not in the output
bucket, not in the local staging area, no ffmpeg (real `mpr worker`s, moto's S3 server)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from mpr.adapters.ffmpeg.samples import make_test_clip
from mpr.bootstrap import build
from mpr.domain.job import JobStatus
from mpr.settings import Settings
from tests.integration.db_fixtures import create_database, drop_database
from tests.integration.redis_fixtures import WorkerProcesses, redis_client, redis_url
from tests.integration.s3_fixtures import CREDENTIALS, BucketPair
from tests.integration.test_killed_workers import (
    BIG_SECONDS,
    cancel_while_its_worker_is_dead,
    files_of,
)
from tests.integration.worker_stack import HEARTBEAT_TIMEOUT, Stack, job

__all__ = ["redis_client", "redis_url"]


@pytest.fixture(scope="module")
def aws_credentials() -> Iterator[None]:
    """This process's services reach moto with the tests' credentials, as the workers do."""
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
async def s3_stack(pg_server_url: str, redis_url: str, s3_server_env: dict[str, str],
                   aws_credentials: None, ffmpeg: str, ffprobe: str,
                   tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """Workers and this process on PostgreSQL, Redis and two moto buckets; a 60 s 720p source."""
    database_url = await create_database(pg_server_url, prefix="mpr_test_killed_s3")
    data_dir = tmp_path_factory.mktemp("workers-s3")
    env = {**s3_server_env, "MPR_DATABASE_URL": database_url, "MPR_REDIS_URL": redis_url,
           "MPR_DATA_DIR": str(data_dir), "MPR_WORKER_HEARTBEAT_TIMEOUT": HEARTBEAT_TIMEOUT,
           "MPR_FFMPEG": ffmpeg, "MPR_FFPROBE": ffprobe, "MPR_SAMPLES": "false"}
    settings = Settings(database_url=database_url, redis_url=redis_url, data_dir=data_dir,
                        storage="s3", s3_endpoint_url=s3_server_env["MPR_S3_ENDPOINT_URL"],
                        s3_bucket_in=s3_server_env["MPR_S3_BUCKET_IN"],
                        s3_bucket_out=s3_server_env["MPR_S3_BUCKET_OUT"],
                        worker_heartbeat_timeout=float(HEARTBEAT_TIMEOUT), samples=False)
    services = build(settings)
    await services.prepare()
    clip = await make_test_clip(ffmpeg, data_dir / "big.mp4", duration=BIG_SECONDS,
                                width=1280, height=720)
    buckets = BucketPair.from_env(env)
    assert buckets is not None
    buckets.put_input("big.mp4", clip)
    await services.scan_media()
    [asset] = await services.queries.assets()
    yield Stack(services, env, str(asset.id), str(asset.id), ffmpeg, data_dir)
    await services.close()
    await drop_database(pg_server_url, database_url)


@pytest.fixture
def s3_workers(s3_stack: Stack, redis_client: object, tmp_path: Path
               ) -> Iterator[WorkerProcesses]:
    processes = WorkerProcesses(s3_stack.env, tmp_path)
    yield processes
    processes.stop_all()


async def test_a_job_cancelled_while_its_worker_is_dead_leaves_nothing_in_the_bucket(
        s3_stack: Stack, s3_workers: WorkerProcesses) -> None:
    buckets = BucketPair.from_env(s3_stack.env)
    assert buckets is not None

    created = await cancel_while_its_worker_is_dead(s3_stack, s3_stack.long_id, s3_workers)

    assert (await job(s3_stack, created.id)).status is JobStatus.CANCELLED
    assert files_of(s3_stack.data_dir, created.id) == [], s3_workers.logs()
    assert buckets.output_keys() == []
