"""The job that made an output asset is found by an index (the compare view asks for it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_transcode_jobs_output_asset", "transcode_jobs",
                    ["output_asset_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_transcode_jobs_output_asset", table_name="transcode_jobs")
