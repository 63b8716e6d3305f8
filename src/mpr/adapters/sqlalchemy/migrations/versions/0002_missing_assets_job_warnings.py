"""Assets may be `missing` (their object left the store); jobs keep `warnings`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ASSET_STATUSES = "'pending', 'ready', 'error'"
NEW_ASSET_STATUSES = "'pending', 'ready', 'error', 'missing'"


def upgrade() -> None:
    """Allow the missing status; add the jobs' warnings list (empty for existing jobs)."""
    _asset_statuses(NEW_ASSET_STATUSES)
    with op.batch_alter_table("transcode_jobs") as batch:
        batch.add_column(sa.Column("warnings", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))
    with op.batch_alter_table("transcode_jobs") as batch:
        batch.alter_column("warnings", server_default=None)


def downgrade() -> None:
    """Missing assets become ready again (their object is looked for at the next scan)."""
    op.execute("UPDATE media_assets SET status = 'ready' WHERE status = 'missing'")
    _asset_statuses(OLD_ASSET_STATUSES)
    with op.batch_alter_table("transcode_jobs") as batch:
        batch.drop_column("warnings")


def _asset_statuses(statuses: str) -> None:
    with op.batch_alter_table("media_assets") as batch:
        batch.drop_constraint("ck_media_assets_status", type_="check")
        batch.create_check_constraint("ck_media_assets_status", f"status IN ({statuses})")
