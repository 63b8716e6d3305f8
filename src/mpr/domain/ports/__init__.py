"""Ports: what the application needs from the outside world, as Protocols (one module
per concern; every name is also importable from here)."""

from mpr.domain.ports.access import (
    AccessUnitOfWork,
    AccessUnitOfWorkFactory,
    DeletionRepository,
    PasswordHasher,
    SessionRepository,
    TokenRepository,
    UserRepository,
)
from mpr.domain.ports.media import (
    MediaProber,
    ProgressCallback,
    ThumbnailMaker,
    Transcoder,
    WaveformMaker,
)
from mpr.domain.ports.queues import (
    Dispatch,
    EventChannel,
    JobQueue,
    JobReporter,
    JobReporters,
    QueueStats,
)
from mpr.domain.ports.repositories import (
    AssetEntry,
    AssetRepository,
    JobRepository,
    Page,
    PresetRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)
from mpr.domain.ports.storage import (
    BodyCopy,
    EarlyReader,
    MediaStorage,
    ObjectReader,
    StoreChanges,
    UploadStaging,
)
from mpr.domain.ports.system import (
    Clock,
    HealthCheck,
)

__all__ = [
    "AccessUnitOfWork",
    "AccessUnitOfWorkFactory",
    "AssetEntry",
    "AssetRepository",
    "BodyCopy",
    "Clock",
    "DeletionRepository",
    "Dispatch",
    "EarlyReader",
    "EventChannel",
    "HealthCheck",
    "JobQueue",
    "JobReporter",
    "JobReporters",
    "JobRepository",
    "MediaProber",
    "MediaStorage",
    "ObjectReader",
    "Page",
    "PasswordHasher",
    "PresetRepository",
    "ProgressCallback",
    "QueueStats",
    "SessionRepository",
    "StoreChanges",
    "ThumbnailMaker",
    "TokenRepository",
    "Transcoder",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UploadStaging",
    "UserRepository",
    "WaveformMaker",
]
