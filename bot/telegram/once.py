"""Each Telegram update handled once, by whichever instance gets it first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from integrations.db.seen_updates import SqlSeenUpdates


class InHandElsewhere(Exception):
    """The update is claimed and not yet handled: another instance is handling it, or one that
    died less than CLAIM_EXPIRES ago. The webhook asks Telegram to deliver it again later."""


class OncePerUpdate(BaseMiddleware):
    """A repeated update_id is handled once, whichever instance receives it; an update whose
    handling failed is left for Telegram's redelivery."""

    def __init__(self, seen: SqlSeenUpdates, *, retry_in_hand: bool = False) -> None:
        """`retry_in_hand` (the webhook): an update claimed but not handled raises
        InHandElsewhere rather than being dropped, so that Telegram delivers it again until it
        is handled — by the instance that has it, or after the claim of one that died expired.
        Polling has no one to ask again: the update was in its own hands."""
        self._seen = seen
        self._retry_in_hand = retry_in_hand

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        if not await self._seen.claim(event.update_id):
            if self._retry_in_hand and not await self._seen.was_handled(event.update_id):
                raise InHandElsewhere()
            return None
        try:
            result = await handler(event, data)
        except BaseException:
            await self._seen.release(event.update_id)
            raise
        await self._seen.handled(event.update_id)
        return result
