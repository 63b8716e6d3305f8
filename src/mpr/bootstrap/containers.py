"""The dependency-injector containers: every adapter and use case, chosen from the settings.

The containers read the settings one way, as the typed `Settings` object
(`settings.provided.*`); the adapter sets are picked by `providers.Selector`s keyed by it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from dependency_injector import containers, providers

from mpr.adapters.clock import SystemClock
from mpr.adapters.events.pg_channel import PgEventChannel
from mpr.adapters.events.redis_channel import RedisEventChannel
from mpr.adapters.ffmpeg.output_prober import PyAvOutputProber
from mpr.adapters.ffmpeg.prober import FfprobeProber
from mpr.adapters.ffmpeg.thumbnails import FfmpegThumbnails
from mpr.adapters.ffmpeg.transcoder import FfmpegTranscoder
from mpr.adapters.ffmpeg.waveform import FfmpegWaveforms
from mpr.adapters.queue.dramatiq_queue import DramatiqQueue
from mpr.adapters.queue.inprocess import InProcessQueue
from mpr.adapters.queue.stepfunctions_queue import StepFunctionsQueue
from mpr.adapters.security.argon2_hasher import Argon2Hasher
from mpr.adapters.security.server_secret import load_or_create
from mpr.adapters.sqlalchemy import migrate
from mpr.adapters.sqlalchemy.access import SqlAccessUnitOfWork
from mpr.adapters.sqlalchemy.advisory_lock import PgAdvisoryLock, SoleLeader
from mpr.adapters.sqlalchemy.engine import make_engine, make_session_factory
from mpr.adapters.sqlalchemy.health import DatabaseHealth
from mpr.adapters.sqlalchemy.uow import SqlUnitOfWork
from mpr.adapters.storage.filesystem import FilesystemStorage
from mpr.adapters.storage.s3 import S3Storage
from mpr.adapters.storage.s3_client import make_s3_client
from mpr.adapters.storage.upload_staging import DiskUploadStaging
from mpr.adapters.watch.filesystem import FilesystemChanges
from mpr.application.access import Access
from mpr.application.assets import DeleteAsset, UpdateAsset
from mpr.application.authentication import Authenticator, SessionTimeouts
from mpr.application.authorization import POLICY
from mpr.application.batch_progress import ReadBatch
from mpr.application.create_job import CreateJob
from mpr.application.create_jobs import CreateJobs
from mpr.application.job_actions import CancelJob, ClearFinishedJobs, RetryJob
from mpr.application.job_callbacks import RecordCallback
from mpr.application.job_log import JobEventLog
from mpr.application.job_reporting import DatabaseJobReporter
from mpr.application.job_watch import JobWatch
from mpr.application.login_throttle import LoginThrottle, ThrottlePolicy
from mpr.application.media_access import MediaAccess
from mpr.application.messagebus import MessageBus
from mpr.application.presets import CreatePreset, DeletePreset, UpdatePreset, seed_builtin_presets
from mpr.application.publishing import publishing
from mpr.application.queries import Queries
from mpr.application.reconcile_executions import ReconcileExecutions
from mpr.application.recording import recording
from mpr.application.recover_jobs import RecoverJobs
from mpr.application.run_job import RunJob
from mpr.application.scan_media import ScanMedia
from mpr.application.sweep_staging import SweepStaging
from mpr.application.token_cache import TokenCache
from mpr.application.tokens import Tokens
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.application.upload_finish import FinishUpload
from mpr.application.uploads import UploadLimits, Uploads
from mpr.application.users import Users
from mpr.application.watch_store import PeriodicScan, SettleWatch
from mpr.application.waveform import AssetWaveform
from mpr.bootstrap.lifecycle import Lifecycle, blocking, each, hook, nothing
from mpr.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _storage_kind(settings: Settings) -> str:
    return settings.storage


def _queue_backend(settings: Settings) -> str:
    return settings.queue_backend


def _database_backend(settings: Settings) -> str:
    return "postgresql" if settings.resolved_database_url.startswith("postgresql") else "sqlite"


def _bucket_setup(settings: Settings) -> str:
    return "create" if settings.storage == "s3" and settings.s3_create_buckets else "none"


def events_backend(settings: Settings) -> str:
    """How domain events reach other processes: Redis pub/sub, else PostgreSQL NOTIFY, else
    not at all (SQLite: one process, the in-process bus is enough)."""
    if settings.redis_url:
        return "redis"
    is_pg = settings.resolved_database_url.startswith("postgresql")
    return "postgresql" if is_pg else "inprocess"


def _public_s3_client(settings: Settings) -> S3Client | None:
    """A client that only signs links for browsers, when they reach S3 at another address
    than MPR does (compose: MinIO is http://minio:9000 inside, a published port outside)."""
    if not settings.s3_public_endpoint_url:
        return None
    return make_s3_client(settings.s3_public_endpoint_url)


class Infrastructure(containers.DeclarativeContainer):
    """Adapters, each chosen once from the settings."""

    settings = providers.Dependency(instance_of=Settings)
    clock = providers.Singleton(SystemClock)
    engine = providers.Singleton(make_engine, settings.provided.resolved_database_url)
    sessions = providers.Singleton(make_session_factory, engine)
    uow = providers.Factory(SqlUnitOfWork, sessions)
    s3_client = providers.Singleton(make_s3_client, settings.provided.s3_endpoint_url)
    s3_check_client = providers.Singleton(make_s3_client, settings.provided.s3_endpoint_url,
                                          quick=True)
    s3_public_client = providers.Singleton(_public_s3_client, settings)
    s3_staging = providers.Callable(lambda s: s.data_dir / "s3-staging", settings)
    storage_kind = providers.Callable(_storage_kind, settings)
    input_storage = providers.Selector(
        storage_kind,
        filesystem=providers.Singleton(FilesystemStorage, settings.provided.media_in),
        s3=providers.Singleton(S3Storage, settings.provided.s3_bucket_in, s3_client,
                               check_client=s3_check_client, staging=s3_staging,
                               public_client=s3_public_client),
    )
    output_storage = providers.Selector(
        storage_kind,
        filesystem=providers.Singleton(FilesystemStorage, settings.provided.media_out),
        s3=providers.Singleton(S3Storage, settings.provided.s3_bucket_out, s3_client,
                               check_client=s3_check_client, staging=s3_staging,
                               public_client=s3_public_client),
    )
    prober = providers.Singleton(FfprobeProber, settings.provided.ffprobe)  # own process
    output_prober = providers.Singleton(PyAvOutputProber)  # our outputs: in process
    transcoder = providers.Singleton(FfmpegTranscoder, settings.provided.ffmpeg,
                                     settings.provided.job_stall_timeout,
                                     settings.provided.job_timeout)
    thumbnails = providers.Singleton(FfmpegThumbnails, settings.provided.ffmpeg,
                                     settings.provided.data_dir.joinpath.call("thumbnails"),
                                     settings.provided.thumbnail_cache_bytes)
    waveforms = providers.Singleton(FfmpegWaveforms, settings.provided.ffmpeg,
                                    settings.provided.data_dir.joinpath.call("waveforms"),
                                    settings.provided.waveform_cache_bytes)
    queue_backend = providers.Callable(_queue_backend, settings)
    inprocess_queue = providers.Singleton(InProcessQueue, settings.provided.worker_concurrency)
    dramatiq_queue = providers.Singleton(DramatiqQueue, settings.provided.redis_url,
                                         settings.provided.worker_heartbeat_timeout)
    sfn_queue = providers.Singleton(StepFunctionsQueue, settings.provided.sfn_state_machine_arn)
    queue = providers.Selector(queue_backend, inprocess=inprocess_queue,
                               dramatiq=dramatiq_queue, stepfunctions=sfn_queue)
    # lambda mode's reconciler: one process at a time (SQLite: there is only one)
    leader_lock = providers.Selector(
        providers.Callable(_database_backend, settings),
        postgresql=providers.Singleton(PgAdvisoryLock, engine),
        sqlite=providers.Singleton(SoleLeader))
    # between processes: Redis pub/sub, else PostgreSQL NOTIFY; SQLite: the bus is enough
    event_channel = providers.Selector(
        providers.Callable(events_backend, settings),
        redis=providers.Singleton(RedisEventChannel, settings.provided.redis_url),
        postgresql=providers.Singleton(PgEventChannel, settings.provided.resolved_database_url),
        inprocess=providers.Object(None),
    )
    database_health = providers.Singleton(DatabaseHealth, engine)
    access_uow = providers.Factory(SqlAccessUnitOfWork, sessions)
    hasher = providers.Singleton(Argon2Hasher)
    upload_staging = providers.Singleton(DiskUploadStaging, settings.provided.upload_staging)
    input_changes = providers.Singleton(FilesystemChanges, settings.provided.media_in)


class UseCases(containers.DeclarativeContainer):
    """Use cases built on the infrastructure's ports."""

    infra = providers.DependenciesContainer()
    settings = providers.Dependency(instance_of=Settings)
    bus = providers.Singleton(MessageBus)
    uow = providers.Callable(publishing, providers.Callable(
        recording, infra.uow.provider, infra.access_uow.provider, infra.clock), bus)
    reporter = providers.Singleton(DatabaseJobReporter, uow, infra.clock)
    pipeline = providers.Singleton(TranscodePipeline, infra.input_storage, infra.output_storage,
                                   infra.transcoder, infra.output_prober, infra.clock)
    scan_media = providers.Singleton(ScanMedia, uow, infra.input_storage, infra.prober,
                                     infra.clock)
    create_job = providers.Singleton(CreateJob, uow, infra.queue, infra.clock,
                                    infra.output_storage)
    create_jobs = providers.Singleton(CreateJobs, uow, infra.queue, infra.clock,
                                      infra.output_storage)
    read_batch = providers.Singleton(ReadBatch, uow)
    cancel_job = providers.Singleton(CancelJob, uow, infra.queue, infra.clock)
    retry_job = providers.Singleton(RetryJob, uow, infra.queue, infra.clock)
    clear_jobs = providers.Singleton(ClearFinishedJobs, uow)
    update_asset = providers.Singleton(UpdateAsset, uow, infra.clock)
    delete_asset = providers.Singleton(DeleteAsset, uow, infra.output_storage, infra.clock)
    create_preset = providers.Singleton(CreatePreset, uow, infra.clock)
    update_preset = providers.Singleton(UpdatePreset, uow, infra.clock)
    delete_preset = providers.Singleton(DeletePreset, uow)
    queries = providers.Singleton(Queries, uow)
    job_watch = providers.Singleton(JobWatch, queries.provided.job)
    job_log = providers.Singleton(JobEventLog, infra.uow.provider)
    media = providers.Singleton(MediaAccess, uow, infra.input_storage, infra.output_storage,
                                infra.thumbnails)
    waveform = providers.Singleton(AssetWaveform, uow, infra.input_storage,
                                   infra.output_storage, infra.waveforms)
    run_job = providers.Singleton(RunJob, uow, pipeline, reporter, infra.clock)
    sweep_staging = providers.Singleton(SweepStaging, uow, infra.output_storage, infra.clock,
                                        settings.provided.job_timeout)
    record_callback = providers.Singleton(RecordCallback, uow, infra.output_storage, infra.queue,
                                          infra.clock, settings.provided.max_attempts)
    reconcile_executions = providers.Singleton(
        ReconcileExecutions, uow, infra.queue, infra.sfn_queue, infra.clock,
        settings.provided.worker_heartbeat_timeout, settings.provided.max_attempts)
    recover_jobs = providers.Singleton(RecoverJobs, uow, infra.queue, infra.clock,
                                       settings.provided.worker_heartbeat_timeout,
                                       settings.provided.max_attempts)
    uploads = providers.Singleton(
        Uploads, uow, infra.upload_staging,
        providers.Singleton(FinishUpload, uow, infra.upload_staging, infra.input_storage,
                            infra.prober, infra.clock, create_job),
        infra.clock,
        providers.Callable(lambda s: UploadLimits(s.upload_max_bytes,
                                                  timedelta(seconds=s.upload_expiry)), settings))
    input_watch = providers.Selector(
        providers.Callable(lambda s: s.storage, settings),
        filesystem=providers.Singleton(SettleWatch, infra.input_changes, infra.input_storage,
                                       scan_media, infra.clock, settings.provided.watch_settle),
        s3=providers.Singleton(PeriodicScan, scan_media, settings.provided.scan_interval),
    )


class AccessControl(containers.DeclarativeContainer):
    """Users, tokens and sessions, the login throttle and the server secret."""

    infra = providers.DependenciesContainer()
    settings = providers.Dependency(instance_of=Settings)
    uow = providers.Callable(lambda p: p, infra.access_uow.provider)
    throttle = providers.Singleton(
        LoginThrottle, infra.clock,
        providers.Callable(lambda s: ThrottlePolicy(max_failures=s.login_max_failures,
                                                    lockout=s.login_lockout), settings))
    timeouts = providers.Callable(
        lambda s: SessionTimeouts(timedelta(seconds=s.session_idle_timeout),
                                  timedelta(seconds=s.session_max_age)), settings)
    secret = providers.Singleton(
        lambda s: load_or_create(s.data_dir, s.secret_key.get_secret_value()
                                 if s.secret_key else None), settings)
    token_cache = providers.Singleton(TokenCache)
    access = providers.Singleton(
        Access,
        users=providers.Singleton(Users, uow, infra.hasher, infra.clock),
        tokens=providers.Singleton(Tokens, uow, infra.clock, token_cache),
        authenticator=providers.Singleton(Authenticator, uow, infra.hasher, infra.clock,
                                          throttle, timeouts, token_cache),
        policy=providers.Object(POLICY), secret=secret, uow=uow)


class Resources(containers.DeclarativeContainer):
    """What the process prepares, starts (when it runs jobs itself) and closes."""

    settings = providers.Dependency(instance_of=Settings)
    infra = providers.DependenciesContainer()
    use_cases = providers.DependenciesContainer()
    lifecycle = providers.Singleton(
        Lifecycle,
        prepare=providers.List(
            providers.Callable(hook, migrate.upgrade, settings.provided.resolved_database_url),
            providers.Callable(hook, seed_builtin_presets, infra.uow.provider, infra.clock),
            providers.Selector(
                providers.Callable(_bucket_setup, settings), none=providers.Object(nothing),
                create=providers.Callable(
                    each, infra.input_storage.provided.create_bucket,
                    infra.output_storage.provided.create_bucket)),
        ),
        start=providers.List(
            providers.Selector(
                infra.queue_backend, dramatiq=providers.Object(nothing),
                stepfunctions=providers.Object(nothing),
                inprocess=providers.Callable(blocking, infra.inprocess_queue.provided.start,
                                             use_cases.run_job.provided.run_spec)),
        ),
        close=providers.List(  # in this order: stopped workers hand their jobs back first
            infra.queue.provided.close,
            infra.leader_lock.provided.release,
            infra.engine.provided.dispose,
            providers.Selector(
                providers.Callable(events_backend, settings),
                inprocess=providers.Object(nothing),
                redis=infra.event_channel.provided.close,
                postgresql=infra.event_channel.provided.close),
            providers.Selector(
                infra.storage_kind, filesystem=providers.Object(nothing),
                s3=providers.Callable(
                    each, providers.Callable(blocking, infra.s3_client.provided.close),
                    providers.Callable(blocking, infra.s3_check_client.provided.close))),
        ),
    )


class Root(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    infra = providers.Container(Infrastructure, settings=settings)
    use_cases = providers.Container(UseCases, infra=infra, settings=settings)
    access = providers.Container(AccessControl, infra=infra, settings=settings)
    resources = providers.Container(Resources, settings=settings, infra=infra,
                                    use_cases=use_cases)
