"""What the admin entrypoint gets from the composition root: its sessions and the ORM rows.

sqladmin's views are classes declared over ORM row classes (`ModelView, model=JobRow`) at
import time, so the rows are handed over here, at import, and the session factory at run
time in `Services.admin`; the admin never imports the SQLAlchemy adapter itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mpr.adapters.sqlalchemy.models import AssetRow, DeletionRow, JobRow, PresetRow

__all__ = ["AdminData", "AssetRow", "DeletionRow", "JobRow", "PresetRow"]


@dataclass(frozen=True, slots=True)
class AdminData:
    """The admin's view of the database: sessions over the rows above."""

    sessions: async_sessionmaker[AsyncSession]
