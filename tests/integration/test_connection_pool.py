"""PostgreSQL connections: each process keeps DATABASE_POOL_SIZE of them and no more. A burst
waits for a free one rather than opening extra connections to close again, each a PostgreSQL
backend process started and ended (under load, a fifth of the bot's throughput went to that)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from integrations.db.engine import create_engine
from tests.databases import POSTGRES_URL
from tests.integration.conftest import _reachable_postgres

pytestmark = pytest.mark.postgres


async def test_a_burst_of_statements_uses_only_the_pools_connections() -> None:
    await _reachable_postgres()
    engine = create_engine(POSTGRES_URL, pool_size=3)
    started = asyncio.Event()
    waiting = [0]

    async def statement() -> int:
        async with engine.connect() as connection:
            waiting[0] += 1
            if waiting[0] == 3:
                started.set()
            await started.wait()  # all three connections in use at once
            result = await connection.execute(text("SELECT pg_backend_pid()"))
            return int(result.scalar_one())

    try:
        backends = await asyncio.gather(*(statement() for _ in range(30)))
        assert len(backends) == 30
        assert len(set(backends)) == 3
    finally:
        await engine.dispose()
