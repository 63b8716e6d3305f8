"""Jobs started together by `createJobs` share a batch id, by which the batch is read back.

Existing jobs belong to no batch (NULL). The index follows `batch(id)`'s order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transcode_jobs") as batch:
        batch.add_column(sa.Column("batch_id", sa.Uuid(), nullable=True))
    op.create_index("ix_transcode_jobs_batch", "transcode_jobs",
                    ["batch_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_transcode_jobs_batch", table_name="transcode_jobs")
    with op.batch_alter_table("transcode_jobs") as batch:
        batch.drop_column("batch_id")
