"""SQLAlchemy asyncio adapter: repositories and unit of work (Alembic lives in .migrate)."""

from mpr.adapters.sqlalchemy.engine import make_engine, make_session_factory
from mpr.adapters.sqlalchemy.repositories import (
    SqlAssetRepository,
    SqlJobRepository,
    SqlPresetRepository,
)
from mpr.adapters.sqlalchemy.uow import SqlUnitOfWork

__all__ = [
    "SqlAssetRepository",
    "SqlJobRepository",
    "SqlPresetRepository",
    "SqlUnitOfWork",
    "make_engine",
    "make_session_factory",
]
