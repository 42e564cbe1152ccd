"""Outgoing calls to the Bot API: kept within Telegram's limits, retried when refused.

Telegram allows about 30 messages a second overall and about one a second to one chat; it
answers 429 with `retry_after` when a bot goes faster. Network errors are retried with
exponential backoff.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)

MESSAGE_METHODS = {
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "sendDocument",
    "sendPhoto",
}
"""Calls that count towards Telegram's message limits (answering a button press does not)."""


class TokenBucket:
    """`rate` tokens a second, at most `capacity` saved up for a burst."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate, self.capacity = rate, capacity
        self._tokens = capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens < 1:
                wait = (1 - self._tokens) / self.rate
                await asyncio.sleep(wait)
                self._stamp = time.monotonic()
                self._tokens = 1
            self._tokens -= 1


class Delivery(BaseRequestMiddleware):
    def __init__(
        self,
        overall_per_second: float = 30,
        per_chat_per_second: float = 1,
        per_chat_burst: float = 3,
        attempts: int = 5,
        first_backoff: float = 0.5,
    ) -> None:
        self._overall = TokenBucket(overall_per_second, overall_per_second)
        self._per_chat_rate, self._per_chat_burst = per_chat_per_second, per_chat_burst
        self._chats: dict[Any, TokenBucket] = {}
        self._attempts, self._first_backoff = attempts, first_backoff

    def _chat(self, chat_id: Any) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 10_000:
                self._chats.clear()
            bucket = self._chats[chat_id] = TokenBucket(self._per_chat_rate, self._per_chat_burst)
        return bucket

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self._attempts):
            await self._wait_turn(method)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as refused:
                log.warning(
                    "Telegram asked to wait %ss (%s)", refused.retry_after, method.__api_method__
                )
                await asyncio.sleep(refused.retry_after)
            except TelegramNetworkError:
                await asyncio.sleep(self._first_backoff * 2 ** (attempt - 1))
        await self._wait_turn(method)
        return await make_request(bot, method)

    async def _wait_turn(self, method: TelegramMethod[Any]) -> None:
        if method.__api_method__ not in MESSAGE_METHODS:
            return
        await self._overall.take()
        chat_id = getattr(method, "chat_id", None)
        if chat_id is not None:
            await self._chat(chat_id).take()
