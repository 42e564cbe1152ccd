"""Fixtures shared by the integration and end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fake_telegram import FakeTelegram


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """A local server speaking the Bot API, for the bot's real client code to talk to."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
