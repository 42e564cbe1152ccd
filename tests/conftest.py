"""Fixtures shared by the integration and end-to-end tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from locales.texts import STRICT_ENV
from tests.fake_telegram import FakeTelegram
from tests.fake_viber import FakeViber

os.environ[STRICT_ENV] = "1"  # a missing translation fails the test (and the bots it starts)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """A local server speaking the Bot API, for the bot's real client code to talk to."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def viber() -> AsyncIterator[FakeViber]:
    """A local stand-in for Viber's REST API and for the platform posting callbacks."""
    server = FakeViber()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """The machine's Redis (TEST_REDIS_URL, default database 15). Skipped on a developer's
    machine without it; under CI=true its absence fails the run."""
    client = Redis.from_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        await client.aclose()
        message = f"Redis is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield client
    await client.aclose()
