"""Telegram updates in, the dialog's screens out. Citizens talk in private chats; in groups the
bot stays silent (staff commands live elsewhere)."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import BufferedInputFile, CallbackQuery, Message, User

from bot.telegram.filters import in_private_chat
from bot.telegram.render import INERT, keyboard
from dialogs.engine import Dialog
from dialogs.screens import Event, Screen
from domain.model import ChannelIdentity

log = logging.getLogger(__name__)


def identity_of(user: User) -> ChannelIdentity:
    return ChannelIdentity("telegram", str(user.id))


async def send(bot: Bot, chat_id: int, screens: list[Screen]) -> None:
    for screen in screens:
        await bot.send_message(chat_id, screen.text, reply_markup=keyboard(screen))
        if screen.attachment is not None:
            file = BufferedInputFile(screen.attachment.content, screen.attachment.file_name)
            await bot.send_document(chat_id, file)


def citizen_router(dialog: Dialog) -> Router:
    router = Router(name="citizens")
    router.message.filter(in_private_chat)

    @router.message()
    async def on_message(message: Message, bot: Bot) -> None:
        if message.from_user is None:
            return
        user = message.from_user
        text = message.text or message.caption
        event = Event(
            identity_of(user),
            text=text or "",
            language_hint=user.language_code,
            unreadable=text is None,  # a sticker, a photo, a voice message
        )
        await send(bot, message.chat.id, await dialog.handle(event))

    @router.callback_query()
    async def on_press(query: CallbackQuery, bot: Bot) -> None:
        answered = False
        try:
            message = query.message if isinstance(query.message, Message) else None
            if not query.data or query.data == INERT or message is None:
                return
            if message.chat.type != "private":
                return
            user = query.from_user
            event = Event(identity_of(user), choice=query.data, language_hint=user.language_code)
            screens = await dialog.handle(event)
            await query.answer(text=screens[-1].toast)
            answered = True
            await _show_after_press(bot, message, screens)
        finally:
            if not answered:
                with contextlib.suppress(TelegramAPIError):
                    await query.answer()

    return router


async def _show_after_press(bot: Bot, message: Message, screens: list[Screen]) -> None:
    """A pressed button edits its message in place: one call, within Telegram's per-chat
    limit, and the conversation reads as one message that moves on. A button from an earlier
    message gets the current step as a new message instead."""
    screen = screens[-1]
    if len(screens) == 1 and not screen.toast and screen.attachment is None:
        try:
            await bot.edit_message_text(
                text=screen.text,
                chat_id=message.chat.id,
                message_id=message.message_id,
                reply_markup=keyboard(screen),
            )
            return
        except TelegramBadRequest as refused:
            if "not modified" in str(refused):
                return
            log.info("could not edit a message in place; sending a new one")
    await send(bot, message.chat.id, screens)
