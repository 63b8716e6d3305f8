"""Jobs number their runs for good: `runs` counts every run started and a retry keeps it.

`attempts` is reset by a retry (a fresh budget), so it cannot tell a cancelled run that is
still calling back from the run started by a quick retry; the run number can. Existing jobs
start from their attempts, which is what their queued specs and staging areas name.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transcode_jobs") as batch:
        batch.add_column(sa.Column("runs", sa.Integer(), nullable=False,
                                   server_default=sa.text("0")))
    op.execute("UPDATE transcode_jobs SET runs = attempts")
    with op.batch_alter_table("transcode_jobs") as batch:
        batch.create_check_constraint("ck_transcode_jobs_runs", "runs >= attempts")


def downgrade() -> None:
    with op.batch_alter_table("transcode_jobs") as batch:
        batch.drop_constraint("ck_transcode_jobs_runs", type_="check")
        batch.drop_column("runs")
