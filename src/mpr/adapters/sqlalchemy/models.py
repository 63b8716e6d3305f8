"""ORM rows for assets, presets and jobs; they never leave the SQLAlchemy adapter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mpr.domain.asset import AssetStatus, Location
from mpr.domain.identity import Role
from mpr.domain.job import JobStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
KEY_LENGTH = 1024


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp that always reads back as UTC, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _one_of(column: str, values: type[AssetStatus | Location | JobStatus]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid(), dict[str, Any]: JSON()}


class AssetRow(Base):
    """A row of media_assets: one file in the input or output store."""

    __tablename__ = "media_assets"
    __table_args__ = (
        UniqueConstraint("location", "file_path", name="uq_media_assets_location_file_path"),
        CheckConstraint(_one_of("status", AssetStatus), name="status"),
        CheckConstraint(_one_of("location", Location), name="location"),
        Index("ix_media_assets_created", "created_at", "id"),
        Index("ix_media_assets_status_created", "status", "created_at", "id"),
        Index("ix_media_assets_location_created", "location", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(KEY_LENGTH))
    file_path: Mapped[str] = mapped_column(String(KEY_LENGTH))
    location: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(Text)
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    duration: Mapped[float | None] = mapped_column(Float)
    container: Mapped[str | None] = mapped_column(String(64))
    video_codec: Mapped[str | None] = mapped_column(String(64))
    audio_codec: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    framerate: Mapped[float | None] = mapped_column(Float)
    bitrate: Mapped[int | None] = mapped_column(BigInteger)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON)
    comments: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def __str__(self) -> str:
        return f"{self.filename} ({self.location}, {self.status})"


class PresetRow(Base):
    """A row of transcode_presets: one encoding configuration."""

    __tablename__ = "transcode_presets"
    __table_args__ = (UniqueConstraint("name", name="uq_transcode_presets_name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    is_builtin: Mapped[bool]
    container: Mapped[str | None] = mapped_column(String(16))
    video_codec: Mapped[str | None] = mapped_column(String(32))
    video_bitrate: Mapped[str | None] = mapped_column(String(16))
    video_crf: Mapped[int | None] = mapped_column(Integer)
    video_preset: Mapped[str | None] = mapped_column(String(16))
    resolution: Mapped[str | None] = mapped_column(String(16))
    framerate: Mapped[float | None] = mapped_column(Float)
    renditions: Mapped[str | None] = mapped_column(String(128))
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    audio_bitrate: Mapped[str | None] = mapped_column(String(16))
    audio_channels: Mapped[int | None] = mapped_column(Integer)
    audio_samplerate: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(80))

    def __str__(self) -> str:
        return f"{self.name} (builtin)" if self.is_builtin else self.name


class JobRow(Base):
    """A row of transcode_jobs: one transcode, with a snapshot of its preset."""

    __tablename__ = "transcode_jobs"
    __table_args__ = (
        CheckConstraint(_one_of("status", JobStatus), name="status"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("runs >= attempts", name="runs"),
        Index("ix_transcode_jobs_created", "created_at", "id"),
        Index("ix_transcode_jobs_status_created", "status", "created_at", "id"),
        Index("ix_transcode_jobs_source_created", "source_asset_id", "created_at", "id"),
        Index("ix_transcode_jobs_dispatch", "status", "priority", "created_at"),
        Index("ix_transcode_jobs_output_path", "output_path"),
        Index("ix_transcode_jobs_batch", "batch_id", "created_at", "id"),
        Index("ix_transcode_jobs_output_asset", "output_asset_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    source_asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("media_assets.id", ondelete="CASCADE"))
    # No foreign key: the snapshot is what the job runs, and the preset may be deleted later.
    preset_id: Mapped[uuid.UUID]
    preset_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    trim_start: Mapped[float | None] = mapped_column(Float)
    trim_end: Mapped[float | None] = mapped_column(Float)
    output_filename: Mapped[str] = mapped_column(String(KEY_LENGTH))
    output_path: Mapped[str] = mapped_column(String(KEY_LENGTH))
    output_asset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("media_assets.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(Float)
    current_time: Mapped[float | None] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float)
    eta: Mapped[float | None] = mapped_column(Float)
    error_message: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(JSON)
    task_id: Mapped[str | None] = mapped_column(String(255))
    execution_arn: Mapped[str | None] = mapped_column(String(2048))
    callback_seq: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    priority: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    runs: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    worker_id: Mapped[str | None] = mapped_column(String(255))
    heartbeat_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(80))
    batch_id: Mapped[uuid.UUID | None]  # jobs started together by createJobs share it
    # Optimistic locking: an UPDATE of a row changed since it was read fails (no lost cancel).
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return f"{self.output_filename} ({self.status}, {self.progress:.0f}%)"


ACTOR_LENGTH = 80  # "user:<64-char name>" or "token:<name>"


def _roles() -> str:
    return f"role IN ({', '.join(repr(r.value) for r in Role)})"


class UserRow(Base):
    """A row of users: a person who signs in; only an argon2id hash of the password."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("username", name="uq_users_username"),
                      CheckConstraint(_roles(), name="role"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TokenRow(Base):
    """A row of api_tokens: only the SHA-256 of each token's secret."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("name", name="uq_api_tokens_name"),
                      UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
                      CheckConstraint(_roles(), name="role"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))


class SessionRow(Base):
    """A row of sessions: one signed-in browser, keyed by the SHA-256 of its cookie."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_user_id", "user_id"),)

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class DeletionRow(Base):
    """A row of deletions: who removed which asset or preset, and when."""

    __tablename__ = "deletions"
    __table_args__ = (Index("ix_deletions_deleted_at", "deleted_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(KEY_LENGTH))
    deleted_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    deleted_at: Mapped[datetime]
