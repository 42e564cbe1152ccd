"""The machine's PostgreSQL for tests and benchmarks: a fresh schema each time, dropped after."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.engine import create_engine
from integrations.settings import normalize_database_url

POSTGRES_URL = normalize_database_url(
    os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
)


async def postgres_engine_in_new_schema(**options: Any) -> tuple[AsyncEngine, str]:
    schema = f"rantevou_test_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    engine = create_engine(
        POSTGRES_URL,
        connect_args={"server_settings": {"search_path": f"{schema},public"}},
        **{"pool_size": 20, "max_overflow": 40, **options},
    )
    return engine, schema


async def drop_schema(schema: str) -> None:
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


@asynccontextmanager
async def separate_database() -> AsyncIterator[str]:
    """A database of its own on the machine's PostgreSQL, for processes to share (a schema
    cannot be named in DATABASE_URL); its URL, and it is dropped after."""
    name = f"rantevou_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()
