"""Three `python -m bot web` processes behind one bot, sharing PostgreSQL and Redis, or
PostgreSQL alone: one citizen's updates, posted to all three at once, are handled one after the
other — each once, none refused as "busy", the conversation saved once per update."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from integrations.db.engine import create_engine
from integrations.db.tables import conversations
from integrations.settings import normalize_database_url
from locales.texts import Texts
from tests.databases import separate_database
from tests.e2e.telegram_citizen import free_port, start_bot, start_process, stop
from tests.e2e.test_telegram_webhook import SECRET, wait_until_up
from tests.fake_telegram import FakeTelegram
from tests.integration.conftest import _reachable_postgres

INSTANCES = 3
UPDATES = 18
CITIZEN = 6101


@pytest.fixture
async def database() -> AsyncIterator[str]:
    await _reachable_postgres()
    async with separate_database() as url:
        yield url


@pytest.mark.parametrize("redis_url", ["redis://127.0.0.1:6379/15", ""], ids=["redis", "postgres"])
async def test_one_citizens_updates_on_three_instances_go_one_after_the_other(
    telegram: FakeTelegram, database: str, redis: Redis, redis_url: str
):
    """`redis` (the fixture) makes sure the machine's Redis answers, so that the case without
    REDIS_URL is PostgreSQL's lock and not a Redis that was down."""
    migrate = start_process("migrate", database)
    _, errors = await asyncio.to_thread(migrate.communicate, timeout=60)
    assert migrate.returncode == 0, errors
    ports = [free_port() for _ in range(INSTANCES)]
    processes = [
        start_bot(
            "web",
            telegram,
            database,
            HOST="127.0.0.1",
            PORT=str(port),
            WEBHOOK_SECRET=SECRET,
            REDIS_URL=redis_url,
        )
        for port in ports
    ]
    try:
        for port in ports:
            await wait_until_up(f"http://127.0.0.1:{port}/health")
        words = ["/start", "/book", "/help", "/mybookings", "/language", "/start"]
        updates: list[dict[str, Any]] = [
            {"update_id": 70_000 + n, **telegram.text_update(CITIZEN, words[n % len(words)])}
            for n in range(UPDATES)
        ]
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with aiohttp.ClientSession() as session:

            async def post(n: int) -> int:
                url = f"http://127.0.0.1:{ports[n % INSTANCES]}/telegram/webhook"
                async with session.post(url, json=updates[n], headers=headers) as response:
                    return response.status

            statuses = await asyncio.gather(*(post(n) for n in range(UPDATES)))
        assert statuses == [200] * UPDATES
        replies = telegram.sent_to(CITIZEN)
        assert len(replies) == UPDATES
        busy = Texts("el")("error.busy")
        assert not [r.text for r in replies if busy in r.text]
        engine = create_engine(normalize_database_url(database))
        async with engine.connect() as connection:
            version = (await connection.execute(select(conversations.c.version))).scalar_one()
        await engine.dispose()
        assert version == UPDATES  # saved once per update, none lost to a race
    finally:
        for process in processes:
            assert "Traceback" not in await stop(process)
