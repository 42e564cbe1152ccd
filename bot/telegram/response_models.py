"""aiogram parses each Bot API answer into `Response[<the method's result type>]`, a generic
pydantic model made on the fly. pydantic caches such models only weakly, so the garbage
collector keeps throwing them away and every few calls one is built again (about 4 ms each).
Holding the models for the methods the bot uses keeps them built."""

from __future__ import annotations

from typing import Any

from aiogram import methods
from aiogram.methods.base import Response

METHODS = (
    methods.AnswerCallbackQuery,
    methods.DeleteWebhook,
    methods.EditMessageReplyMarkup,
    methods.EditMessageText,
    methods.GetMe,
    methods.GetUpdates,
    methods.SendMessage,
    methods.SetMyCommands,
    methods.SetWebhook,
)
"""The Bot API methods the bot calls."""

_kept: list[Any] = []


def keep() -> None:
    """Builds the response models once and holds them for the life of the process."""
    generic: Any = Response
    if not _kept:
        _kept.extend(generic[method.__returning__] for method in METHODS)
