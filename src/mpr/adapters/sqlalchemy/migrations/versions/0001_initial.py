"""Initial schema: media_assets, transcode_presets, transcode_jobs.

Revision ID: 0001
Revises:
Create Date: 2024-06-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ASSET_STATUSES = "'pending', 'ready', 'error'"
JOB_STATUSES = "'pending', 'processing', 'completed', 'failed', 'cancelled'"


def _timestamp(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the three tables with their constraints and list/dispatch indexes."""
    _create_media_assets()
    _create_transcode_presets()
    _create_transcode_jobs()


def downgrade() -> None:
    """Drop everything this revision created."""
    op.drop_table("transcode_jobs")
    op.drop_table("transcode_presets")
    op.drop_table("media_assets")


def _create_media_assets() -> None:
    op.create_table(
        "media_assets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=1024), nullable=False),
        sa.Column("file_path", sa.String(length=1024), nullable=False),
        sa.Column("location", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("container", sa.String(length=64), nullable=True),
        sa.Column("video_codec", sa.String(length=64), nullable=True),
        sa.Column("audio_codec", sa.String(length=64), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("framerate", sa.Float(), nullable=True),
        sa.Column("bitrate", sa.BigInteger(), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint("location IN ('input', 'output')", name="ck_media_assets_location"),
        sa.CheckConstraint(f"status IN ({ASSET_STATUSES})", name="ck_media_assets_status"),
        sa.PrimaryKeyConstraint("id", name="pk_media_assets"),
        sa.UniqueConstraint("location", "file_path", name="uq_media_assets_location_file_path"),
    )
    op.create_index("ix_media_assets_created", "media_assets", ["created_at", "id"])
    op.create_index("ix_media_assets_status_created", "media_assets",
                    ["status", "created_at", "id"])
    op.create_index("ix_media_assets_location_created", "media_assets",
                    ["location", "created_at", "id"])


def _create_transcode_presets() -> None:
    op.create_table(
        "transcode_presets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_builtin", sa.Boolean(), nullable=False),
        sa.Column("container", sa.String(length=16), nullable=True),
        sa.Column("video_codec", sa.String(length=32), nullable=True),
        sa.Column("video_bitrate", sa.String(length=16), nullable=True),
        sa.Column("video_crf", sa.Integer(), nullable=True),
        sa.Column("video_preset", sa.String(length=16), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("framerate", sa.Float(), nullable=True),
        sa.Column("audio_codec", sa.String(length=32), nullable=True),
        sa.Column("audio_bitrate", sa.String(length=16), nullable=True),
        sa.Column("audio_channels", sa.Integer(), nullable=True),
        sa.Column("audio_samplerate", sa.Integer(), nullable=True),
        _timestamp("created_at", nullable=True),
        _timestamp("updated_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_transcode_presets"),
        sa.UniqueConstraint("name", name="uq_transcode_presets_name"),
    )


def _create_transcode_jobs() -> None:
    op.create_table(
        "transcode_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_asset_id", sa.Uuid(), nullable=False),
        sa.Column("preset_id", sa.Uuid(), nullable=False),
        sa.Column("preset_snapshot", sa.JSON(), nullable=False),
        sa.Column("trim_start", sa.Float(), nullable=True),
        sa.Column("trim_end", sa.Float(), nullable=True),
        sa.Column("output_filename", sa.String(length=1024), nullable=False),
        sa.Column("output_path", sa.String(length=1024), nullable=False),
        sa.Column("output_asset_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("current_time", sa.Float(), nullable=True),
        sa.Column("speed", sa.Float(), nullable=True),
        sa.Column("eta", sa.Float(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("task_id", sa.String(length=255), nullable=True),
        sa.Column("execution_arn", sa.String(length=2048), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=255), nullable=True),
        _timestamp("heartbeat_at", nullable=True),
        _timestamp("started_at", nullable=True),
        _timestamp("completed_at", nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(f"status IN ({JOB_STATUSES})", name="ck_transcode_jobs_status"),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="ck_transcode_jobs_progress"),
        sa.CheckConstraint("attempts >= 0", name="ck_transcode_jobs_attempts"),
        sa.ForeignKeyConstraint(["source_asset_id"], ["media_assets.id"], ondelete="CASCADE",
                                name="fk_transcode_jobs_source_asset_id_media_assets"),
        sa.ForeignKeyConstraint(["output_asset_id"], ["media_assets.id"], ondelete="SET NULL",
                                name="fk_transcode_jobs_output_asset_id_media_assets"),
        sa.PrimaryKeyConstraint("id", name="pk_transcode_jobs"),
    )
    op.create_index("ix_transcode_jobs_created", "transcode_jobs", ["created_at", "id"])
    op.create_index("ix_transcode_jobs_status_created", "transcode_jobs",
                    ["status", "created_at", "id"])
    op.create_index("ix_transcode_jobs_source_created", "transcode_jobs",
                    ["source_asset_id", "created_at", "id"])
    op.create_index("ix_transcode_jobs_dispatch", "transcode_jobs",
                    ["status", "priority", "created_at"])
    op.create_index("ix_transcode_jobs_output_path", "transcode_jobs", ["output_path"])
