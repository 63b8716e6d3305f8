"""Alembic environment: runs on the connection handed over by mpr.adapters.sqlalchemy.migrate."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from mpr.adapters.sqlalchemy.models import Base, UTCDateTime


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy types so migrations never import models."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection: Connection) -> None:
    """Migrate through an open connection; batch mode lets SQLite alter tables."""
    context.configure(connection=connection, target_metadata=Base.metadata,
                      compare_type=True, render_as_batch=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit the SQL for a URL instead of running it (alembic --sql)."""
    context.configure(url=context.config.get_main_option("sqlalchemy.url"),
                      target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    _connection = context.config.attributes.get("connection")
    if _connection is None:
        raise RuntimeError("run migrations through mpr.adapters.sqlalchemy.migrate "
                           "(or `mpr db upgrade`), which provides the connection")
    run_migrations(_connection)
