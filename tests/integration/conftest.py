"""Storage on a fresh SQLite file and on a fresh schema of the machine's PostgreSQL.

PostgreSQL comes from TEST_POSTGRES_URL (default 127.0.0.1:5432, database `test`). When it cannot
be reached the PostgreSQL tests are skipped on a developer's machine, and fail under CI=true.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.engine import create_engine
from integrations.db.migrate import upgrade
from integrations.db.storage import SqlStorage
from tests.databases import POSTGRES_URL, drop_schema, postgres_engine_in_new_schema
from tests.smtp_server import SmtpServer


def sqlite_engine(folder: Path) -> AsyncEngine:
    return create_engine(f"sqlite+aiosqlite:///{folder / 'rantevou-test.sqlite3'}")


async def _reachable_postgres() -> None:
    probe = create_engine(POSTGRES_URL)
    try:
        async with probe.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means "unreachable"
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        await probe.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def empty_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """A database with no tables at all, on each of the two supported kinds."""
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path)
        yield engine
        await engine.dispose()
        return
    await _reachable_postgres()
    engine, schema = await postgres_engine_in_new_schema()
    try:
        yield engine
    finally:
        await engine.dispose()
        await drop_schema(schema)


@pytest.fixture
async def storage(empty_engine: AsyncEngine) -> SqlStorage:
    await upgrade(empty_engine)
    return SqlStorage(empty_engine)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server that requires STARTTLS and AUTH."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
