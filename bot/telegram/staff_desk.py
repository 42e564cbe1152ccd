"""The staff desk in Telegram: its commands and its buttons, for the staff only.

Anyone else gets nothing that reveals a booking: their commands go on to the citizens' dialog,
their presses of desk buttons are answered with nothing.
"""

from __future__ import annotations

import contextlib
import logging
import re

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.telegram.desk import Desk, Presser, edit_view, send_view, staff_texts
from bot.telegram.desk_commands import (
    COMMAND_HANDLERS,
    MANAGER_COMMANDS,
    STAFF_COMMANDS,
    WHOAMI,
    time_off_list,
)
from bot.telegram.desk_views import (
    PREFIX,
    REASON_MARK,
    appointment_lines,
    cancel_prompt,
    day_picker,
    no_show_prompt,
    parse_day_code,
    typed_reason_prompt,
)
from bot.telegram.filters import data_starts_with, in_private_chat
from dialogs.parsing import showable
from domain.errors import BookingNotFound, TooLateToChange
from domain.model import Attendance, Booking, CancelReason

log = logging.getLogger(__name__)

_PROMPT_MARK = re.compile(rf"{REASON_MARK}(\d+)")

__all__ = ("MANAGER_COMMANDS", "STAFF_COMMANDS", "staff_router")


def staff_router(desk: Desk) -> Router:
    router = Router(name="staff")

    def presser_of(event: Message | CallbackQuery) -> Presser | None:
        if isinstance(event, CallbackQuery):
            message = event.message if isinstance(event.message, Message) else None
            return desk.presser(event.from_user, message.chat if message else None)
        return desk.presser(event.from_user, event.chat)

    async def staff_only(event: Message | CallbackQuery) -> bool | dict[str, Presser]:
        presser = presser_of(event)
        return {"presser": presser} if presser else False

    commands = Command(*STAFF_COMMANDS, *MANAGER_COMMANDS)
    desk_press = data_starts_with(PREFIX)

    @router.message(Command(WHOAMI), in_private_chat)
    async def on_whoami(message: Message) -> None:
        """Anyone's own Telegram id, for the IT to put in the configuration; nothing else."""
        if message.from_user is not None:
            texts = staff_texts(message.from_user)
            await message.answer(texts("desk.myid", id=message.from_user.id))

    @router.message(commands, staff_only)
    async def on_command(
        message: Message, bot: Bot, command: CommandObject, presser: Presser
    ) -> None:
        texts, name = presser.texts, command.command.lower()
        words = command.args or ""
        if name in MANAGER_COMMANDS and not presser.member.is_manager:
            await message.answer(texts("desk.only_managers"))
            return
        try:
            await COMMAND_HANDLERS[name](desk, bot, message, presser, words)
        except Exception:
            log.exception("the staff desk failed on /%s", name)
            with contextlib.suppress(TelegramAPIError):
                await message.answer(texts("error.general"))

    async def answers_a_reason_prompt(message: Message, bot: Bot) -> bool | dict[str, int]:
        """A reply to the bot's own "type the reason" prompt: the booking it names. Any
        other reply is not the desk's, and goes on to the citizens' dialog."""
        prompt = message.reply_to_message
        if prompt is None or prompt.from_user is None:
            return False
        match = _PROMPT_MARK.search(prompt.text or "")
        if match is None or prompt.from_user.id != (await bot.me()).id:
            return False
        return {"booking_id": int(match[1])}

    @router.message(answers_a_reason_prompt, staff_only)
    async def on_typed_reason(message: Message, presser: Presser, booking_id: int) -> None:
        reason = showable(message.text or "").strip()
        if not reason:
            await message.answer(presser.texts("desk.cancel.reason_empty"))
            return
        await message.answer(await _cancel(desk, presser, booking_id, reason))

    @router.callback_query(desk_press, staff_only)
    async def on_press(query: CallbackQuery, bot: Bot, presser: Presser) -> None:
        toast = ""
        try:
            toast = await _press(desk, bot, query, presser)
        except Exception:
            log.exception("the staff desk failed on a press")
            toast = presser.texts("error.general")
        finally:
            with contextlib.suppress(TelegramAPIError):
                await query.answer(text=toast or None)

    @router.callback_query(desk_press)
    async def on_strangers_press(query: CallbackQuery) -> None:
        """Not staff, or not here: nothing about any booking."""
        with contextlib.suppress(TelegramAPIError):
            await query.answer()

    return router


async def _press(desk: Desk, bot: Bot, query: CallbackQuery, presser: Presser) -> str:
    message = query.message if isinstance(query.message, Message) else None
    data = (query.data or "").removeprefix(PREFIX)
    action, _, rest = data.partition(":")
    texts = presser.texts
    if message is None or action == "x":
        return ""
    if action == "m":  # the day picker, another month
        if not (len(rest) == 6 and rest.isdigit()):
            return ""
        year, month = int(rest[:4]), int(rest[4:6])
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            return ""
        await edit_view(bot, message, day_picker(texts, year, month, desk.today(presser.office)))
        return ""
    if action == "d":
        day = parse_day_code(rest)
        if day is None:
            return ""
        office_wide = presser.member.is_manager
        for view in await desk.agenda_views(
            texts,
            presser.office,
            presser.member,
            day,
            private=presser.private,
            office_wide=office_wide,
        ):
            await send_view(bot, message.chat.id, view)
        return ""
    if action == "p":
        code, index, page = [*rest.split(":"), "", "", ""][:3]
        day = parse_day_code(code)
        if day is None or not index.isdigit() or not page.isdigit():
            return ""
        staff = presser.office.staff
        person = staff[int(index)] if int(index) < len(staff) else None
        if person is None or (person.id != presser.member.id and not presser.member.is_manager):
            return texts("desk.not_yours")
        await edit_view(bot, message, await desk.page_view(presser, person, day, int(page)))
        return ""
    if action == "tr":
        return await _remove_time_off(desk, bot, message, presser, rest)
    booking_id_text, _, choice = rest.partition(":")
    if not booking_id_text.isdigit():
        return ""
    booking = await desk.store.booking(int(booking_id_text))
    if booking is None or not desk.may_see(presser, booking):
        return texts("desk.not_yours")
    if action == "b":
        await edit_view(bot, message, await desk.view_around(presser, booking))
        return ""
    if action == "i":
        return await _send_contact(bot, query.from_user.id, presser, booking)
    if not booking.is_active:
        await edit_view(bot, message, await desk.view_around(presser, booking))
        return texts("desk.already_cancelled")
    if action == "a":
        return await _attendance(desk, bot, message, presser, booking, choice)
    if action == "n":
        await edit_view(bot, message, no_show_prompt(texts, booking))
        return ""
    if action == "c":
        await edit_view(bot, message, cancel_prompt(texts, presser.office, booking))
        return ""
    if action == "r" and choice in {r.value for r in CancelReason}:
        toast = await _cancel(desk, presser, booking.id, choice)
        await edit_view(bot, message, await desk.view_around(presser, booking))
        return toast
    if action == "t":
        await send_view(bot, message.chat.id, typed_reason_prompt(texts, booking))
        return ""
    if action == "k":  # keep an appointment in the way of new time off
        await _drop_row(bot, message, booking.id)
        return texts("desk.timeoff.kept", reference=booking.reference)
    return ""


async def _attendance(
    desk: Desk, bot: Bot, message: Message, presser: Presser, booking: Booking, choice: str
) -> str:
    texts = presser.texts
    try:
        attendance = Attendance(choice)
    except ValueError:
        return ""
    try:
        await desk.store.record_attendance(booking.id, attendance, presser.member.id, desk.clock())
    except TooLateToChange:
        return texts("desk.attendance.too_early")
    except BookingNotFound:
        return texts("desk.already_cancelled")
    await edit_view(bot, message, await desk.view_around(presser, booking))
    return texts(f"desk.attendance.saved.{attendance.value}", reference=booking.reference)


async def _cancel(desk: Desk, presser: Presser, booking_id: int, reason: str) -> str:
    """Returns what to tell the staff member."""
    texts = presser.texts
    booking = await desk.store.booking(booking_id)
    if booking is None or not desk.may_see(presser, booking):
        return texts("desk.not_yours")
    try:
        cancelled = await desk.store.cancel_for_citizen(
            booking_id, presser.member.id, reason, desk.clock()
        )
    except BookingNotFound:
        return texts("desk.already_cancelled")
    except TooLateToChange:
        return texts("desk.cancel.too_late")
    return texts("desk.cancel.done", reference=cancelled.reference)


async def _send_contact(bot: Bot, user_id: int, presser: Presser, booking: Booking) -> str:
    """Always to the presser's private chat: never into the group."""
    texts = presser.texts
    lines = appointment_lines(texts, presser.office, booking, private=True)
    try:
        await bot.send_message(user_id, "\n".join(lines))
    except (TelegramForbiddenError, TelegramBadRequest):
        return texts("desk.contact.start_private")
    return "" if presser.private else texts("desk.contact.sent_privately")


async def _drop_row(bot: Bot, message: Message, booking_id: int) -> None:
    markup = message.reply_markup
    if markup is None:
        return
    rows = [
        row
        for row in markup.inline_keyboard
        if not any((b.callback_data or "").endswith(f":{booking_id}") for b in row)
    ]
    with contextlib.suppress(TelegramBadRequest):
        await bot.edit_message_reply_markup(
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )


async def _remove_time_off(
    desk: Desk, bot: Bot, message: Message, presser: Presser, rest: str
) -> str:
    texts = presser.texts
    if not rest.isdigit():
        return ""
    mine = (
        [presser.member.id]
        if not presser.member.is_manager
        else [s.id for s in presser.office.staff]
    )
    known = {t.id for t in await desk.store.time_off(mine, desk.clock())}
    if int(rest) not in known:
        return texts("desk.not_yours")
    await desk.store.remove_time_off(int(rest), presser.member.id, desk.clock())
    await edit_view(bot, message, await time_off_list(desk, presser))
    return texts("desk.timeoff.removed")
