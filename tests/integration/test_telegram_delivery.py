"""Our Bot API client code against a local server that speaks the Bot API: Telegram's 429 with
retry_after is waited out, and one chat never gets more than about a message a second."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError

from bot.telegram.delivery import Delivery
from tests.fake_telegram import FakeTelegram


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


async def test_a_chats_next_message_leaves_an_interval_after_the_last_was_answered(
    telegram: FakeTelegram,
):
    """Telegram may count a message when it was answered rather than when it arrived: spacing
    the starts alone let a slow answer and a quick one land in the same second."""
    telegram.answer_delay_s = 0.3
    bot = bot_for(telegram.base_url, telegram.token, Delivery(per_chat_per_second=2))
    try:
        await asyncio.gather(*(bot.send_message(5, f"{n}") for n in range(3)))
    finally:
        await bot.session.close()
    arrivals = [at for chat, at in telegram.sent_at if chat == 5]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert len(gaps) == 2
    assert min(gaps) >= 0.3 + 0.5


async def test_no_31st_message_within_a_second_of_the_answer_to_the_30th_before_it(
    telegram: FakeTelegram,
):
    telegram.answer_delay_s = 0.3
    bot = bot_for(telegram.base_url, telegram.token, Delivery(overall_per_second=28))
    try:
        await asyncio.gather(*(bot.send_message(100 + chat, "…") for chat in range(31)))
    finally:
        await bot.session.close()
    arrivals = sorted(at for _, at in telegram.sent_at)
    assert len(arrivals) == 31
    # Evenly spaced at 28 a second the 31st would arrive 1.07 s after the first; it waits for
    # the first's answer (0.3 s) and a second more.
    assert arrivals[30] - arrivals[0] >= 1.3
