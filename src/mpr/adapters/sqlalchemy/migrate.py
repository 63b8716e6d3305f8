"""Run the Alembic migrations programmatically; no alembic.ini is needed.

The schema is only ever made by these migrations. For developers:

    python -m mpr.adapters.sqlalchemy.migrate upgrade [REVISION]
    python -m mpr.adapters.sqlalchemy.migrate downgrade REVISION
    python -m mpr.adapters.sqlalchemy.migrate revision "add a column"   # autogenerate

Each takes --url, defaulting to $MPR_DATABASE_URL. `revision` compares models.py with a
database migrated to head and writes the next numbered file under migrations/versions;
read it and fix it by hand before committing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url

from mpr.adapters.sqlalchemy.engine import db_errors, make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
AlembicCommand = Callable[[Config], object]


def make_config() -> Config:
    """An Alembic Config built in code, pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database schema up to a revision (head by default)."""
    await run_command(url, lambda config: command.upgrade(config, revision))


async def downgrade(url: str, revision: str) -> None:
    """Take the database schema back to a revision ('base' drops everything)."""
    await run_command(url, lambda config: command.downgrade(config, revision))


async def run_command(url: str, alembic_command: AlembicCommand) -> None:
    """Run one Alembic command on a connection of a dedicated async engine."""
    engine = make_engine(url)
    try:
        with db_errors():
            async with engine.connect() as connection:
                if make_url(url).get_backend_name() == "sqlite":
                    # Batch migrations copy tables; enforced foreign keys would cascade deletes.
                    await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                await connection.run_sync(_with_connection, alembic_command)
                await connection.commit()
    finally:
        await engine.dispose()


def _with_connection(connection: Connection, alembic_command: AlembicCommand) -> None:
    config = make_config()
    config.attributes["connection"] = connection
    alembic_command(config)


def _autogenerate(message: str) -> AlembicCommand:
    def revision(config: Config) -> None:
        number = len(list(ScriptDirectory.from_config(config).walk_revisions())) + 1
        command.revision(config, message, autogenerate=True, rev_id=f"{number:04d}")
    return revision


def main(argv: list[str] | None = None) -> None:
    """Command line for developers: upgrade, downgrade, revision."""
    parser = argparse.ArgumentParser(prog="python -m mpr.adapters.sqlalchemy.migrate")
    parser.add_argument("--url", default=os.environ.get("MPR_DATABASE_URL"))
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("upgrade").add_argument("revision", nargs="?", default="head")
    sub.add_parser("downgrade").add_argument("revision")
    sub.add_parser("revision").add_argument("message")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("give --url or set MPR_DATABASE_URL")
    if args.action == "upgrade":
        asyncio.run(upgrade(args.url, args.revision))
    elif args.action == "downgrade":
        asyncio.run(downgrade(args.url, args.revision))
    else:
        asyncio.run(run_command(args.url, _autogenerate(args.message)))


if __name__ == "__main__":
    main()
