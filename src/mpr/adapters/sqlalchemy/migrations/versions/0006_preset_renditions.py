"""Ladder presets: a preset's renditions (its adaptive-streaming rungs), NULL for the others.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Existing presets make one file each: their renditions stay NULL."""
    with op.batch_alter_table("transcode_presets") as batch:
        batch.add_column(sa.Column("renditions", sa.String(length=128), nullable=True))


def downgrade() -> None:
    """Ladder presets cannot be kept without their renditions: they are removed first."""
    op.execute("DELETE FROM transcode_presets WHERE renditions IS NOT NULL")
    with op.batch_alter_table("transcode_presets") as batch:
        batch.drop_column("renditions")
