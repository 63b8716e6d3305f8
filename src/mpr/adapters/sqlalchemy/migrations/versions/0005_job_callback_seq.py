"""Jobs remember the last Lambda callback taken (lambda mode: replays change nothing).

The jobs already hold `execution_arn` (0001); a callback carries a number its run increases
with every call, and one at or below `callback_seq` is a replay or was overtaken.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Existing jobs have taken no callback (0)."""
    with op.batch_alter_table("transcode_jobs") as batch:
        batch.add_column(sa.Column("callback_seq", sa.BigInteger(), nullable=False,
                                   server_default=sa.text("0")))


def downgrade() -> None:
    with op.batch_alter_table("transcode_jobs") as batch:
        batch.drop_column("callback_seq")
