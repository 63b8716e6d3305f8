"""Bring text stored before issue 11's bounds within them: asset properties, descriptions.

Asset `properties` go through the domain's bounded_properties (strings within 1 KiB, the
whole within 64 KiB); preset descriptions, in preset rows and job snapshots, are cut to
2,000 characters. Only rows over the bounds are rewritten. What was cut is gone, so the
downgrade leaves the data as it is.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mpr.domain.preset import MAX_DESCRIPTION_LENGTH
from mpr.domain.properties import bounded_properties

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 200  # assets read at a time: each may hold megabytes of old probe data
_ASSETS = sa.table("media_assets", sa.column("id"), sa.column("properties", sa.JSON()))
_PRESETS = sa.table("transcode_presets", sa.column("id"), sa.column("description", sa.Text()))
_JOBS = sa.table("transcode_jobs", sa.column("id"), sa.column("preset_snapshot", sa.JSON()))


def upgrade() -> None:
    """Rewrite the rows whose stored text exceeds today's bounds."""
    connection = op.get_bind()
    _bound_properties(connection)
    _cut_descriptions(connection)
    _cut_snapshot_descriptions(connection)


def downgrade() -> None:
    """Nothing to undo: the older schema reads bounded data as it is."""


def _bound_properties(connection: sa.Connection) -> None:
    ids = connection.execute(sa.select(_ASSETS.c.id)).scalars().all()
    for start in range(0, len(ids), _BATCH):
        batch = _ASSETS.c.id.in_(ids[start:start + _BATCH])
        rows = connection.execute(sa.select(_ASSETS.c.id, _ASSETS.c.properties).where(batch))
        for asset_id, properties in rows.all():
            if not isinstance(properties, dict):
                continue
            bounded = bounded_properties(properties)
            if bounded != properties:
                connection.execute(sa.update(_ASSETS).where(_ASSETS.c.id == asset_id)
                                   .values(properties=bounded))


def _cut_descriptions(connection: sa.Connection) -> None:
    too_long = sa.func.length(_PRESETS.c.description) > MAX_DESCRIPTION_LENGTH
    rows = connection.execute(sa.select(_PRESETS.c.id, _PRESETS.c.description).where(too_long))
    for preset_id, description in rows.all():
        connection.execute(sa.update(_PRESETS).where(_PRESETS.c.id == preset_id)
                           .values(description=description[:MAX_DESCRIPTION_LENGTH]))


def _cut_snapshot_descriptions(connection: sa.Connection) -> None:
    rows = connection.execute(sa.select(_JOBS.c.id, _JOBS.c.preset_snapshot))
    for job_id, snapshot in rows.all():
        description = snapshot.get("description") if isinstance(snapshot, dict) else None
        if isinstance(description, str) and len(description) > MAX_DESCRIPTION_LENGTH:
            cut = {**snapshot, "description": description[:MAX_DESCRIPTION_LENGTH]}
            connection.execute(sa.update(_JOBS).where(_JOBS.c.id == job_id)
                               .values(preset_snapshot=cut))
