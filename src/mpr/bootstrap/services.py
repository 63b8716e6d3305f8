"""`Services`, the typed set of use cases and lifecycle hooks entrypoints use, and `build`."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from mpr.adapters.ffmpeg.samples import generate_sample_media
from mpr.adapters.security.callback_secret import callback_secret
from mpr.adapters.sqlalchemy import migrate
from mpr.application.access import Access
from mpr.application.assets import DeleteAsset, UpdateAsset
from mpr.application.batch_progress import ReadBatch
from mpr.application.create_job import CreateJob
from mpr.application.create_jobs import CreateJobs
from mpr.application.event_relay import relay
from mpr.application.job_actions import CancelJob, ClearFinishedJobs, RetryJob
from mpr.application.job_callbacks import CallbackReceiver
from mpr.application.job_reporting import DatabaseJobReporter
from mpr.application.job_watch import JobWatch
from mpr.application.media_access import MediaAccess
from mpr.application.messagebus import MessageBus
from mpr.application.presets import CreatePreset, DeletePreset, UpdatePreset
from mpr.application.queries import Queries
from mpr.application.reconcile_executions import reconcile_forever
from mpr.application.recover_jobs import RecoverJobs, reconcile_interval
from mpr.application.run_job import RunJob
from mpr.application.scan_media import ScanMedia
from mpr.application.sweep_staging import SweepStaging
from mpr.application.system_status import SystemStatus
from mpr.application.uploads import Uploads
from mpr.application.watch_store import PeriodicScan, SettleWatch
from mpr.application.waveform import AssetWaveform
from mpr.bootstrap.admin import AdminData
from mpr.bootstrap.containers import Root
from mpr.bootstrap.lifecycle import Lifecycle
from mpr.bootstrap.status import system_status
from mpr.domain.events import DomainEvent, JobEvent
from mpr.domain.ports import Clock, EventChannel, JobQueue, MediaStorage, UnitOfWorkFactory
from mpr.settings import Settings, SettingsError

log = logging.getLogger(__name__)
Forever = Callable[[], Coroutine[Any, Any, None]]  # a task that runs until cancelled


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
    create_jobs: CreateJobs
    read_batch: ReadBatch
    cancel_job: CancelJob
    retry_job: RetryJob
    update_asset: UpdateAsset
    delete_asset: DeleteAsset
    clear_jobs: ClearFinishedJobs
    create_preset: CreatePreset
    update_preset: UpdatePreset
    delete_preset: DeletePreset
    queries: Queries
    job_watch: JobWatch
    run_job: RunJob
    recover_jobs: RecoverJobs
    sweep_staging: SweepStaging
    system_status: SystemStatus
    reporter: DatabaseJobReporter
    media: MediaAccess
    waveform: AssetWaveform
    access: Access
    admin: AdminData
    lifecycle: Lifecycle
    job_runtime: Callable[[], None]  # loads what running jobs needs (PyAV)
    bus: MessageBus
    events: EventChannel | None  # to and from other processes; None when embedded
    uploads: Uploads
    input_watch: SettleWatch | PeriodicScan
    callbacks: CallbackReceiver | None = None  # lambda mode: the signed callback endpoint's
    reconcile_executions: Forever | None = None  # lambda mode: the execution reconciler

    async def prepare(self) -> None:
        """Migrate the database and seed the builtin presets (every process does this)."""
        await self.lifecycle.prepare()

    async def start_embedded_workers(self) -> None:
        """Embedded mode: sample media on first start, in-process workers, job recovery."""
        if self.settings.samples and self.settings.storage == "filesystem":
            await _first_start_samples(self.settings)
        self.load_job_runtime()
        await self.lifecycle.start()
        result = await self.recover_jobs(orphan_all_processing=True)
        if result.dispatched or result.requeued or result.failed:
            log.info("recovered jobs: %s", result)
        await self.sweep_staging()  # what the previous process's encodes left

    def load_job_runtime(self) -> None:
        """A process that runs jobs loads what they need before it serves (PyAV)."""
        self.job_runtime()

    async def follow_events(self) -> None:
        """Until cancelled: job events of other processes reach the job watch (API servers)."""
        if self.events is not None:
            await relay(self.events, JobEvent, self.job_watch.notify)

    async def close(self) -> None:
        """Stop workers (handing running jobs back), then close every pool and client."""
        await self.lifecycle.close()


async def _first_start_samples(settings: Settings) -> None:
    root = settings.media_in  # the filesystem input store's directory
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        return
    written = await generate_sample_media(settings.ffmpeg, root)
    log.info("generated %d sample clips in %s", len(written), root)


@asynccontextmanager
async def prepared(settings: Settings) -> AsyncIterator[Services]:
    """Services with a migrated, seeded database, closed on the way out (CLI commands)."""
    services = build(settings)
    try:
        await services.prepare()
        yield services
    finally:
        await services.close()


async def migrate_database(settings: Settings) -> None:
    """Bring the database to the latest migration (`mpr db upgrade`)."""
    await migrate.upgrade(settings.resolved_database_url)


def build(settings: Settings) -> Services:
    """Wire every adapter and use case for these settings."""
    return services_of(wire(settings))


def wire(settings: Settings) -> Root:
    """The container for these settings (nothing is opened yet)."""
    _refuse_unavailable(settings)
    settings.media_in.mkdir(parents=True, exist_ok=True)
    settings.media_out.mkdir(parents=True, exist_ok=True)
    return Root(settings=settings)


def services_of(root: Root) -> Services:
    """The typed services of a wired container."""
    settings: Settings = root.settings()
    infra, uc = root.infra, root.use_cases
    callbacks, reconcile = _lambda_mode(settings, root)
    bus, events = uc.bus(), infra.event_channel()
    bus.subscribe(JobEvent, uc.job_log())  # one INFO line per job event, where it happened
    if events is None:
        bus.subscribe(JobEvent, uc.job_watch().notify)
    else:
        bus.subscribe(DomainEvent, events.publish)  # heard back by every server's listener
    return Services(
        settings=settings, clock=infra.clock(), uow=infra.uow,
        input_storage=infra.input_storage(), output_storage=infra.output_storage(),
        queue=infra.queue(), scan_media=uc.scan_media(), create_job=uc.create_job(),
        create_jobs=uc.create_jobs(), read_batch=uc.read_batch(),
        cancel_job=uc.cancel_job(), retry_job=uc.retry_job(), update_asset=uc.update_asset(),
        delete_asset=uc.delete_asset(), clear_jobs=uc.clear_jobs(),
        create_preset=uc.create_preset(),
        update_preset=uc.update_preset(), delete_preset=uc.delete_preset(),
        queries=uc.queries(), job_watch=uc.job_watch(), run_job=uc.run_job(),
        recover_jobs=uc.recover_jobs(), sweep_staging=uc.sweep_staging(),
        system_status=system_status(settings, infra), reporter=uc.reporter(),
        media=uc.media(), waveform=uc.waveform(), access=root.access.access(),
        admin=AdminData(infra.sessions()),
        lifecycle=root.resources.lifecycle(), job_runtime=infra.output_prober().load,
        bus=bus, events=events, uploads=uc.uploads(), input_watch=uc.input_watch(),
        callbacks=callbacks, reconcile_executions=reconcile,
    )


def _lambda_mode(settings: Settings, root: Root
                 ) -> tuple[CallbackReceiver | None, Forever | None]:
    """The callback receiver and the execution reconciler (lambda mode only)."""
    if settings.executor != "lambda":
        return None, None
    secret = callback_secret(
        settings.callback_secret.get_secret_value() if settings.callback_secret else None,
        settings.callback_secret_arn)
    receiver = CallbackReceiver(secret=secret, record=root.use_cases.record_callback())
    interval = reconcile_interval(settings.worker_heartbeat_timeout)
    reconcile = functools.partial(reconcile_forever, root.use_cases.reconcile_executions(),
                                  root.infra.leader_lock(), interval)
    return receiver, reconcile


def _refuse_unavailable(settings: Settings) -> None:
    if settings.queue_backend not in ("inprocess", "dramatiq", "stepfunctions"):
        raise SettingsError(f"MPR_EXECUTOR={settings.executor}: no queue for it")
