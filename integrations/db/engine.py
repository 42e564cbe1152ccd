"""Engines for SQLite (the default) and PostgreSQL.

On SQLite, SQLAlchemy emits BEGIN itself (the recipe from SQLAlchemy's SQLite documentation),
so that write transactions can begin IMMEDIATE: the write lock is taken before the
availability check, and two writers never decide on stale data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

IMMEDIATE = "rantevou_sqlite_immediate"
"""Execution option: begin this connection's transaction with BEGIN IMMEDIATE on SQLite."""
NO_BEGIN = "rantevou_sqlite_no_begin"
"""Execution option for reads on SQLite: no BEGIN, each statement reads committed data on its
own (two fewer round trips to SQLite's thread per view)."""

_SQLITE_BUSY_TIMEOUT_S = 30


_RECYCLE_CONNECTIONS_S = 1800


def create_engine(url: str, pool_size: int | None = None, **options: Any) -> AsyncEngine:
    """`pool_size`: PostgreSQL connections kept open, and never more: a burst waits for a free
    one (statements take milliseconds) rather than opening connections it closes again, each a
    PostgreSQL backend process started and ended. None: SQLAlchemy's default (5, and 10 more
    opened and closed again for each burst)."""
    # Database errors must not carry citizens' names, e-mails or phones into the logs.
    options.setdefault("hide_parameters", True)
    if not url.startswith("sqlite"):
        # No ping before each use: it would double the round trips of every short
        # statement; connections are renewed every half hour instead.
        options.setdefault("pool_recycle", _RECYCLE_CONNECTIONS_S)
        if pool_size is not None:
            options.update(pool_size=pool_size, max_overflow=0)
        return create_async_engine(url, **options)
    engine = create_async_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_S}, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_S * 1000}",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(NO_BEGIN, False):
            return
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def one_statement_options(engine: AsyncEngine) -> dict[str, Any]:
    """Execution options for a connection that runs statements each complete on its own:
    no BEGIN and no COMMIT round trips (SQLite and PostgreSQL make each statement atomic)."""
    if engine.dialect.name == "sqlite":
        return {NO_BEGIN: True}
    return {"isolation_level": "AUTOCOMMIT"}


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection with a write transaction begun (IMMEDIATE on SQLite). Closing it rolls
    back whatever was not committed."""
    async with engine.connect() as connection:
        await connection.execution_options(**{IMMEDIATE: True})
        await connection.begin()
        yield connection


def insert_for(dialect: str) -> Callable[[Table], postgresql.Insert | sqlite.Insert]:
    """INSERT with ON CONFLICT, which SQLAlchemy offers per dialect."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
