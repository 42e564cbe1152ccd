"""The routers' filters as coroutines. aiogram runs any filter that is not a coroutine, its
magic `F` filters included, in a thread of the default executor, once for every update that
reaches it: a thread hand-off and a GIL switch per filter per update, about a third of a
process's CPU in the throughput benchmark."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.types import CallbackQuery, Message


async def in_private_chat(message: Message) -> bool:
    return message.chat.type == "private"


def data_starts_with(prefix: str) -> Callable[[CallbackQuery], Awaitable[bool]]:
    async def starts_with(query: CallbackQuery) -> bool:
        return query.data is not None and query.data.startswith(prefix)

    return starts_with
