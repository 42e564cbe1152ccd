"""Brings a database's schema up to date with the Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations have a head"
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema's revision in the database; None before the first migration."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def schema_problem(database_url: str, engine: AsyncEngine) -> str | None:
    """Why the database cannot be used yet, or None: it does not exist (for SQLite, where
    connecting would create an empty file), or its schema is not the migrations' head."""
    if _no_sqlite_file(database_url):
        return "the database does not exist yet (python -m bot migrate creates it)"
    if await current_revision(engine) != head_revision():
        return "the database is not up to date (python -m bot migrate)"
    return None


def _no_sqlite_file(database_url: str) -> bool:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return False
    path = url.database or ""
    return not path or path == ":memory:" or not Path(path).exists()
