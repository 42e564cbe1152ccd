"""Our Bot API client code against a local server that speaks the Bot API: Telegram's 429 with
retry_after is waited out, and one chat never gets more than about a message a second."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError

from bot.telegram.delivery import Delivery


def bot_for(url: str, token: str, delivery: Delivery) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(url))
    session.middleware(delivery)
    return Bot(token, session=session)


async def test_a_429_is_waited_out_and_the_message_still_arrives(telegram):
    telegram.answer_with_retry_after["sendMessage"] = 1
    bot = bot_for(telegram.base_url, telegram.token, Delivery())
    try:
        started = time.monotonic()
        sent = await bot.send_message(42, "Καλημέρα")
        waited = time.monotonic() - started
    finally:
        await bot.session.close()
    assert sent.text == "Καλημέρα"
    assert [method for method, _ in telegram.calls] == ["sendMessage", "sendMessage"]
    assert waited >= 1.0  # Telegram said: retry after 1 second


async def test_one_chat_gets_about_one_message_a_second(telegram):
    bot = bot_for(telegram.base_url, telegram.token, Delivery())
    try:
        started = time.monotonic()
        for number in range(3):
            await bot.send_message(42, f"μήνυμα {number}")
        elapsed = time.monotonic() - started
        other_started = time.monotonic()
        await bot.send_message(43, "another chat is not held back")
        other_elapsed = time.monotonic() - other_started
    finally:
        await bot.session.close()
    assert len([m for m in telegram.messages.values() if m.chat_id == 42]) == 3
    assert elapsed >= 2.0  # one, then one a second
    assert other_elapsed < elapsed


class CountAttempts(BaseRequestMiddleware):
    def __init__(self) -> None:
        self.attempts = 0

    async def __call__(self, make_request: Any, bot: Bot, method: Any) -> Any:
        self.attempts += 1
        return await make_request(bot, method)


async def test_network_errors_are_retried_then_reported():
    closed = "http://127.0.0.1:9"  # nothing listens on the discard port here
    bot = bot_for(closed, "123:abc", Delivery(attempts=3, first_backoff=0.01))
    counter = CountAttempts()
    bot.session.middleware(counter)
    try:
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(42, "x")
    finally:
        await bot.session.close()
    assert counter.attempts == 3
