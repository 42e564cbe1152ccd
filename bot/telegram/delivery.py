"""Outgoing calls to the Bot API: kept within Telegram's limits, retried when refused.

Telegram allows about 30 messages a second overall and about one a second to one chat; it
answers 429 with `retry_after` when a bot goes faster. Network errors are retried with
exponential backoff.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from integrations.pace import LocalPace, Pace, Rate, Spacing

log = logging.getLogger(__name__)

MESSAGE_METHODS = {
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "sendDocument",
    "sendPhoto",
}
"""Calls that count towards Telegram's message limits (answering a button press does not)."""


OVERALL_PER_SECOND = 28
PER_CHAT_PER_SECOND = 0.95
"""A little under Telegram's 30 and 1, evenly spaced: a burst allowed on top of the rate let 59
messages out in one second, and the network's jitter must not bring 31 into one second either."""


class Delivery(BaseRequestMiddleware):
    def __init__(
        self,
        overall_per_second: float = OVERALL_PER_SECOND,
        per_chat_per_second: float = PER_CHAT_PER_SECOND,
        per_chat_burst: float = 1,
        attempts: int = 5,
        first_backoff: float = 0.5,
        pace: Pace | None = None,
    ) -> None:
        """`pace`: LocalPace for one process (the default); SharedPace (Redis) when several
        instances send for the same bot."""
        self._overall_rate = overall_per_second
        self._per_chat_rate, self._per_chat_burst = per_chat_per_second, per_chat_burst
        self._attempts, self._first_backoff = attempts, first_backoff
        self._pace: Pace = pace or LocalPace()
        self._spacing = Spacing()

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
        chat_id = getattr(method, "chat_id", None)
        chat = f"chat:{chat_id}" if chat_id is not None else None
        rates = [Rate(chat, self._per_chat_rate, self._per_chat_burst)] if chat else []
        # The overall turn last, no earlier than the chat's, so that nothing waits between it
        # and the call; evenly spaced, no burst. Both reserved at once.
        await self._pace.wait_all([*rates, Rate("overall", self._overall_rate, 1)])
        if chat and self._per_chat_burst <= 1:
            await self._spacing.gap(chat, self._per_chat_rate)
        await self._spacing.gap("overall", self._overall_rate)
