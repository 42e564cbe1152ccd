"""Outgoing calls to the Bot API: kept within Telegram's limits, retried when refused.

Telegram allows about 30 messages a second overall and about one a second to one chat; it
answers 429 with `retry_after` when a bot goes faster. Network errors are retried with
exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from integrations.pace import Answered, LocalPace, Pace, Rate

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
messages out in one second."""
TELEGRAM_PER_SECOND = 30
"""Telegram's own count, held however late the network delivers what was spaced evenly."""


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
        self._chat_answered = (
            Answered(limit=1, period=1 / per_chat_per_second) if per_chat_burst <= 1 else None
        )
        """A chat's next message goes an interval after the last one was answered."""
        self._overall_answered = (
            Answered(limit=TELEGRAM_PER_SECOND, period=1.0)
            if overall_per_second <= TELEGRAM_PER_SECOND
            else None
        )
        """Unless a higher rate was configured (paid broadcasts): no 31st message within a second
        of the answer to the message 30 before it."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self._attempts):
            try:
                async with self._turn(method):
                    return await make_request(bot, method)
            except TelegramRetryAfter as refused:
                log.warning(
                    "Telegram asked to wait %ss (%s)", refused.retry_after, method.__api_method__
                )
                await asyncio.sleep(refused.retry_after)
            except TelegramNetworkError:
                await asyncio.sleep(self._first_backoff * 2 ** (attempt - 1))
        async with self._turn(method):
            return await make_request(bot, method)

    @contextlib.asynccontextmanager
    async def _turn(self, method: TelegramMethod[Any]) -> AsyncIterator[None]:
        """Waits for the message's turn and holds it while the request is out. The chat's
        previous message must have been answered; then the turns under the shared pace; the
        overall count last, so that nothing waits between it and the call."""
        if method.__api_method__ not in MESSAGE_METHODS:
            yield
            return
        chat_id = getattr(method, "chat_id", None)
        chat = f"chat:{chat_id}" if chat_id is not None else None
        rates = [Rate(chat, self._per_chat_rate, self._per_chat_burst)] if chat else []
        async with contextlib.AsyncExitStack() as turns:
            if chat and self._chat_answered:
                await turns.enter_async_context(self._chat_answered.turn(chat))
            await self._pace.wait_all([*rates, Rate("overall", self._overall_rate, 1)])
            if self._overall_answered:
                await turns.enter_async_context(self._overall_answered.turn("overall"))
            yield
