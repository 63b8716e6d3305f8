"""The composition root: the only module that knows every adapter.

`build(settings)` wires a dependency-injector container from the settings and returns
`Services`, the typed set of use cases and lifecycle hooks the entrypoints use.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from dependency_injector import containers, providers

from mpr import __version__
from mpr.adapters.clock import SystemClock
from mpr.adapters.ffmpeg.output_prober import PyAvOutputProber
from mpr.adapters.ffmpeg.prober import FfprobeProber
from mpr.adapters.ffmpeg.samples import generate_sample_media
from mpr.adapters.ffmpeg.thumbnails import FfmpegThumbnails
from mpr.adapters.ffmpeg.transcoder import FfmpegTranscoder
from mpr.adapters.queue.dramatiq_queue import DramatiqQueue
from mpr.adapters.queue.inprocess import InProcessQueue
from mpr.adapters.sqlalchemy import migrate
from mpr.adapters.sqlalchemy.engine import make_engine, make_session_factory
from mpr.adapters.sqlalchemy.health import DatabaseHealth
from mpr.adapters.sqlalchemy.uow import SqlUnitOfWork
from mpr.adapters.storage.filesystem import FilesystemStorage
from mpr.adapters.storage.s3 import S3Storage
from mpr.adapters.storage.s3_client import make_s3_client
from mpr.application.assets import DeleteAsset, UpdateAsset
from mpr.application.create_job import CreateJob
from mpr.application.job_actions import CancelJob, RetryJob
from mpr.application.job_reporting import DatabaseJobReporter
from mpr.application.job_watch import JobWatch
from mpr.application.media_access import MediaAccess
from mpr.application.presets import CreatePreset, DeletePreset, UpdatePreset, seed_builtin_presets
from mpr.application.queries import Queries
from mpr.application.recover_jobs import RecoverJobs
from mpr.application.run_job import RunJob
from mpr.application.scan_media import ScanMedia
from mpr.application.system_status import SystemStatus
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.domain.ports import Clock, JobQueue, MediaStorage, UnitOfWorkFactory
from mpr.settings import Settings, SettingsError

log = logging.getLogger(__name__)


class Infrastructure(containers.DeclarativeContainer):
    """Adapters, each chosen once from the settings."""

    settings = providers.Dependency(instance_of=Settings)
    config = providers.Configuration()
    clock = providers.Singleton(SystemClock)
    engine = providers.Singleton(make_engine, settings.provided.resolved_database_url)
    sessions = providers.Singleton(make_session_factory, engine)
    uow = providers.Factory(SqlUnitOfWork, sessions)
    s3_client = providers.Singleton(make_s3_client, settings.provided.s3_endpoint_url)
    s3_check_client = providers.Singleton(make_s3_client, settings.provided.s3_endpoint_url,
                                          quick=True)
    s3_staging = providers.Callable(lambda s: s.data_dir / "s3-staging", settings)
    input_storage = providers.Selector(
        config.storage,
        filesystem=providers.Singleton(FilesystemStorage, settings.provided.media_in),
        s3=providers.Singleton(S3Storage, settings.provided.s3_bucket_in, s3_client,
                               check_client=s3_check_client, staging=s3_staging),
    )
    output_storage = providers.Selector(
        config.storage,
        filesystem=providers.Singleton(FilesystemStorage, settings.provided.media_out),
        s3=providers.Singleton(S3Storage, settings.provided.s3_bucket_out, s3_client,
                               check_client=s3_check_client, staging=s3_staging),
    )
    prober = providers.Singleton(FfprobeProber, config.ffprobe)  # sources: own process
    output_prober = providers.Singleton(PyAvOutputProber)  # our outputs: in process
    transcoder = providers.Singleton(FfmpegTranscoder, config.ffmpeg)
    thumbnails = providers.Singleton(FfmpegThumbnails, config.ffmpeg,
                                     settings.provided.data_dir.joinpath.call("thumbnails"))
    queue = providers.Selector(
        providers.Callable(lambda s: s.queue_backend, settings),
        inprocess=providers.Singleton(InProcessQueue, config.worker_concurrency),
        dramatiq=providers.Singleton(DramatiqQueue, settings.provided.redis_url,
                                     settings.provided.worker_heartbeat_timeout),
    )
    database_health = providers.Singleton(DatabaseHealth, engine)


class UseCases(containers.DeclarativeContainer):
    """Use cases built on the infrastructure's ports."""

    infra = providers.DependenciesContainer()
    settings = providers.Dependency(instance_of=Settings)
    uow = providers.Callable(lambda p: p, infra.uow.provider)
    reporter = providers.Singleton(DatabaseJobReporter, uow, infra.clock)
    pipeline = providers.Singleton(TranscodePipeline, infra.input_storage, infra.output_storage,
                                   infra.transcoder, infra.output_prober, infra.clock)
    scan_media = providers.Singleton(ScanMedia, uow, infra.input_storage, infra.prober,
                                     infra.clock)
    create_job = providers.Singleton(CreateJob, uow, infra.queue, infra.clock)
    cancel_job = providers.Singleton(CancelJob, uow, infra.queue, infra.clock)
    retry_job = providers.Singleton(RetryJob, uow, infra.queue, infra.clock)
    update_asset = providers.Singleton(UpdateAsset, uow, infra.clock)
    delete_asset = providers.Singleton(DeleteAsset, uow, infra.output_storage)
    create_preset = providers.Singleton(CreatePreset, uow, infra.clock)
    update_preset = providers.Singleton(UpdatePreset, uow, infra.clock)
    delete_preset = providers.Singleton(DeletePreset, uow)
    queries = providers.Singleton(Queries, uow)
    job_watch = providers.Singleton(JobWatch, queries.provided.job)
    media = providers.Singleton(MediaAccess, uow, infra.input_storage, infra.output_storage,
                                infra.thumbnails)
    run_job = providers.Singleton(RunJob, uow, pipeline, reporter, infra.clock)
    recover_jobs = providers.Singleton(RecoverJobs, uow, infra.queue, infra.clock,
                                       settings.provided.worker_heartbeat_timeout,
                                       settings.provided.max_attempts)


class Root(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    config = providers.Configuration()
    infra = providers.Container(Infrastructure, settings=settings, config=config)
    use_cases = providers.Container(UseCases, infra=infra, settings=settings)


@dataclass(frozen=True, slots=True)
class Services:
    """Everything an entrypoint may call, typed; built once per process by `build`."""

    settings: Settings
    clock: Clock
    uow: UnitOfWorkFactory
    input_storage: MediaStorage
    output_storage: MediaStorage
    queue: JobQueue
    scan_media: ScanMedia
    create_job: CreateJob
    cancel_job: CancelJob
    retry_job: RetryJob
    update_asset: UpdateAsset
    delete_asset: DeleteAsset
    create_preset: CreatePreset
    update_preset: UpdatePreset
    delete_preset: DeletePreset
    queries: Queries
    job_watch: JobWatch
    run_job: RunJob
    recover_jobs: RecoverJobs
    system_status: SystemStatus
    reporter: DatabaseJobReporter
    media: MediaAccess
    container: Any

    async def prepare(self) -> None:
        """Migrate the database and seed the builtin presets (every process does this)."""
        await migrate.upgrade(self.settings.resolved_database_url)
        await seed_builtin_presets(self.uow, self.clock)
        if self.settings.s3_create_buckets:
            for store in (self.input_storage, self.output_storage):
                if isinstance(store, S3Storage):
                    await store.create_bucket()

    async def start_embedded_workers(self) -> None:
        """Embedded mode: sample media on first start, in-process workers, job recovery."""
        if self.settings.samples and isinstance(self.input_storage, FilesystemStorage):
            await _first_start_samples(self.settings, self.input_storage)
        if isinstance(self.queue, InProcessQueue):
            self.queue.start(self.run_job)
        result = await self.recover_jobs(orphan_all_processing=True)
        if result.dispatched or result.requeued or result.failed:
            log.info("recovered jobs: %s", result)

    async def close(self) -> None:
        """Stop workers (handing running jobs back) and close the database pool."""
        if isinstance(self.queue, InProcessQueue):
            await self.queue.stop()
        await self.container.infra.engine().dispose()


async def _first_start_samples(settings: Settings, storage: FilesystemStorage) -> None:
    storage.root.mkdir(parents=True, exist_ok=True)
    if any(storage.root.iterdir()):
        return
    written = await generate_sample_media(settings.ffmpeg, storage.root)
    log.info("generated %d sample clips in %s", len(written), storage.root)


@asynccontextmanager
async def prepared(settings: Settings) -> AsyncIterator[Services]:
    """Services with a migrated, seeded database, closed on the way out (CLI commands)."""
    services = build(settings)
    try:
        await services.prepare()
        yield services
    finally:
        await services.close()


def build(settings: Settings) -> Services:
    """Wire every adapter and use case for these settings."""
    _refuse_unavailable(settings)
    settings.media_in.mkdir(parents=True, exist_ok=True)
    settings.media_out.mkdir(parents=True, exist_ok=True)
    root = Root(settings=settings)
    root.config.from_pydantic(settings)
    infra, uc = root.infra, root.use_cases
    checks = {"database": infra.database_health(), "storage_in": infra.input_storage(),
              "storage_out": infra.output_storage(), "queue": infra.queue()}
    details = {"database": _redacted_url(settings.resolved_database_url),
               "storage_in": f"{settings.storage}: {_where(settings, 'in')}",
               "storage_out": f"{settings.storage}: {_where(settings, 'out')}",
               "queue": settings.queue_backend}
    status = SystemStatus(checks, infra.queue(), __version__, settings.executor, details)
    return Services(
        settings=settings, clock=infra.clock(), uow=infra.uow,
        input_storage=infra.input_storage(), output_storage=infra.output_storage(),
        queue=infra.queue(), scan_media=uc.scan_media(), create_job=uc.create_job(),
        cancel_job=uc.cancel_job(), retry_job=uc.retry_job(), update_asset=uc.update_asset(),
        delete_asset=uc.delete_asset(), create_preset=uc.create_preset(),
        update_preset=uc.update_preset(), delete_preset=uc.delete_preset(),
        queries=uc.queries(), job_watch=uc.job_watch(), run_job=uc.run_job(),
        recover_jobs=uc.recover_jobs(), system_status=status, reporter=uc.reporter(),
        media=uc.media(), container=root,
    )


def _refuse_unavailable(settings: Settings) -> None:
    if settings.queue_backend not in ("inprocess", "dramatiq"):
        raise SettingsError(f"MPR_EXECUTOR={settings.executor} with MPR_REDIS_URL="
                            f"{settings.redis_url!r}: only the embedded queue is built yet")


def _where(settings: Settings, side: str) -> str:
    if settings.storage == "s3":
        return settings.s3_bucket_in if side == "in" else settings.s3_bucket_out
    return str(settings.media_in if side == "in" else settings.media_out)


def _redacted_url(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
