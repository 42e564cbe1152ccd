"""The staff desk in Telegram: the day's appointments, attendance, cancelling for a citizen,
time off, the office's figures, the CSV and the audit.

Who may use it is checked again at every command and every press: the presser's Telegram id
must be a staff member's in the configuration, and a booking must be theirs unless they are a
manager. Anyone else gets nothing that reveals a booking: their commands go on to the citizens'
dialog, their presses of desk buttons are answered with nothing. In the staff group the desk
never shows an e-mail address or a phone.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    Message,
    User,
)

from bot.telegram.desk_input import InputError, parse_month, parse_time_off
from bot.telegram.desk_views import (
    PREFIX,
    REASON_MARK,
    View,
    agenda_page,
    appointment_lines,
    button,
    cancel_prompt,
    day_picker,
    no_show_prompt,
    page_of,
    parse_day_code,
    typed_reason_prompt,
)
from dialogs.texts import Texts
from domain.availability import local_day_bounds
from domain.errors import BookingNotFound, TooLateToChange
from domain.model import Attendance, Booking, CancelReason, Configuration, Municipality, StaffMember
from domain.office_figures import Figures, month_figures
from integrations.db.staff_desk import SqlStaffDesk
from integrations.reports import figures_chart, month_csv

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

STAFF_COMMANDS = ("today", "tomorrow", "day", "timeoff", "desk")
MANAGER_COMMANDS = ("figures", "export", "audit")
AUDIT_LINES = 20
WHOAMI = "myid"
"""Not in any menu: the README tells staff to send it once, to learn their Telegram id."""


@dataclass(frozen=True, slots=True)
class Presser:
    """A staff member pressing or typing, and where."""

    office: Municipality
    member: StaffMember
    private: bool
    texts: Texts


def staff_texts(user: User | None) -> Texts:
    language = (user.language_code or "") if user else ""
    return Texts("en" if language.startswith("en") else "el")


class Desk:
    def __init__(
        self,
        configuration: Configuration,
        desk: SqlStaffDesk,
        staff_chat_id: int | None,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.configuration = configuration
        self.store = desk
        self.staff_chat_id = staff_chat_id
        self.clock = clock

    def staff_member(self, telegram_user_id: int) -> tuple[Municipality, StaffMember] | None:
        for office in self.configuration.municipalities:
            member = office.staff_by_telegram_id(telegram_user_id)
            if member is not None:
                return office, member
        return None

    def presser(self, user: User | None, chat: Chat | None) -> Presser | None:
        """The staff member behind this update, in a private chat or the staff group; None for
        anyone else, or anywhere else."""
        if user is None or chat is None:
            return None
        found = self.staff_member(user.id)
        if found is None:
            return None
        if chat.type == "private" and chat.id == user.id:
            private = True
        elif self.staff_chat_id is not None and chat.id == self.staff_chat_id:
            private = False
        else:
            return None
        return Presser(found[0], found[1], private, staff_texts(user))

    def today(self, office: Municipality) -> date:
        return office.local_date(self.clock())

    def may_see(self, presser: Presser, booking: Booking) -> bool:
        return booking.municipality_id == presser.office.id and (
            presser.member.is_manager or booking.staff_id == presser.member.id
        )

    async def agenda_views(
        self,
        texts: Texts,
        office: Municipality,
        member: StaffMember,
        day: date,
        *,
        private: bool,
        office_wide: bool,
    ) -> list[View]:
        """One view per staff member: `member`'s own, or everyone's for a manager's office
        list (staff with nothing that day left out, unless nobody has anything)."""
        people = office.staff if office_wide else (member,)
        start, end = local_day_bounds(office, day)
        appointments = await self.store.appointments([p.id for p in people], start, end)
        views = []
        for person in people:
            theirs = [b for b in appointments if b.staff_id == person.id]
            if theirs or not office_wide:
                views.append(agenda_page(texts, office, person, day, theirs, 0, private=private))
        if not views:
            views.append(View(texts("desk.agenda.office_none", day=texts.day(day))))
        return views

    async def page_view(self, presser: Presser, person: StaffMember, day: date, page: int) -> View:
        start, end = local_day_bounds(presser.office, day)
        theirs = await self.store.appointments([person.id], start, end)
        return agenda_page(
            presser.texts, presser.office, person, day, theirs, page, private=presser.private
        )

    async def view_around(self, presser: Presser, booking: Booking) -> View:
        """The agenda page on which this booking is (or was) shown."""
        person = presser.office.staff_member(booking.staff_id) or presser.member
        day = presser.office.local_date(booking.starts_at)
        start, end = local_day_bounds(presser.office, day)
        theirs = await self.store.appointments([person.id], start, end)
        page = page_of(theirs, booking.id)
        return agenda_page(
            presser.texts, presser.office, person, day, theirs, page, private=presser.private
        )


async def send_view(bot: Bot, chat_id: int, view: View) -> None:
    await bot.send_message(chat_id, view.text, reply_markup=view.markup)


async def edit_view(bot: Bot, message: Message, view: View) -> None:
    markup = view.markup if isinstance(view.markup, InlineKeyboardMarkup) else None
    try:
        await bot.edit_message_text(
            text=view.text,
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=markup,
        )
    except TelegramBadRequest as refused:
        if "not modified" not in str(refused):
            await send_view(bot, message.chat.id, view)


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

    @router.message(Command(WHOAMI), F.chat.type == "private")
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
            await _COMMAND_HANDLERS[name](desk, bot, message, presser, words)
        except Exception:
            log.exception("the staff desk failed on /%s", name)
            with contextlib.suppress(TelegramAPIError):
                await message.answer(texts("error.general"))

    @router.message(F.reply_to_message.text.contains(REASON_MARK), staff_only)
    async def on_typed_reason(message: Message, bot: Bot, presser: Presser) -> None:
        prompt = message.reply_to_message
        assert prompt is not None
        me = await bot.me()
        match = re.search(rf"{REASON_MARK}(\d+)", prompt.text or "")
        if prompt.from_user is None or prompt.from_user.id != me.id or match is None:
            return
        reason = (message.text or "").strip()
        if not reason:
            await message.answer(presser.texts("desk.cancel.reason_empty"))
            return
        text = await _cancel(desk, presser, int(match[1]), reason)
        await message.answer(text)

    @router.callback_query(F.data.startswith(PREFIX), staff_only)
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

    @router.callback_query(F.data.startswith(PREFIX))
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
        year, month = int(rest[:4]), int(rest[4:6])
        if not 1 <= month <= 12:
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
    await edit_view(bot, message, await _time_off_list(desk, presser))
    return texts("desk.timeoff.removed")


# Commands.


async def _today(desk: Desk, bot: Bot, message: Message, presser: Presser, words: str) -> None:
    await _agenda(desk, bot, message, presser, desk.today(presser.office))


async def _tomorrow(desk: Desk, bot: Bot, message: Message, presser: Presser, words: str) -> None:
    await _agenda(desk, bot, message, presser, desk.today(presser.office) + timedelta(days=1))


async def _agenda(desk: Desk, bot: Bot, message: Message, presser: Presser, day: date) -> None:
    for view in await desk.agenda_views(
        presser.texts,
        presser.office,
        presser.member,
        day,
        private=presser.private,
        office_wide=presser.member.is_manager,
    ):
        await send_view(bot, message.chat.id, view)


async def _day(desk: Desk, bot: Bot, message: Message, presser: Presser, words: str) -> None:
    today = desk.today(presser.office)
    await send_view(bot, message.chat.id, day_picker(presser.texts, today.year, today.month, today))


async def _help(desk: Desk, bot: Bot, message: Message, presser: Presser, words: str) -> None:
    texts = presser.texts
    text = texts("desk.help")
    if presser.member.is_manager:
        text += "\n\n" + texts("desk.help.manager")
    await message.answer(text)


async def _time_off(desk: Desk, bot: Bot, message: Message, presser: Presser, words: str) -> None:
    texts = presser.texts
    if not words.strip():
        await send_view(bot, message.chat.id, await _time_off_list(desk, presser))
        return
    try:
        request = parse_time_off(words, presser.office, presser.member, desk.today(presser.office))
    except InputError as refused:
        await message.answer(texts(refused.key) + "\n\n" + texts("desk.timeoff.usage"))
        return
    now = desk.clock()
    await desk.store.add_time_off(
        request.member.id, request.start, request.end, request.reason, presser.member.id, now
    )
    zone = presser.office.time_zone
    text = texts(
        "desk.timeoff.saved",
        name=request.member.name,
        start=texts.when(request.start, zone, zone),
        end=texts.when(request.end, zone, zone),
        reason=request.reason,
    )
    in_the_way = [
        b
        for b in await desk.store.appointments([request.member.id], request.start, request.end)
        if b.starts_at > now
    ]
    if not in_the_way:
        await message.answer(text)
        return
    lines = [text, "", texts("desk.timeoff.in_the_way", count=len(in_the_way))]
    rows = []
    for booking in in_the_way:
        lines.append(
            f"{texts.when(booking.starts_at, zone, zone)} · {booking.reference} · "
            f"{booking.contact.full_name}"
        )
        rows.append(
            [
                button(
                    texts("desk.button.cancel_ref", reference=booking.reference), f"c:{booking.id}"
                ),
                button(texts("desk.button.keep"), f"k:{booking.id}"),
            ]
        )
    await send_view(
        bot, message.chat.id, View("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))
    )


async def _time_off_list(desk: Desk, presser: Presser) -> View:
    texts, office = presser.texts, presser.office
    people = office.staff if presser.member.is_manager else (presser.member,)
    entries = await desk.store.time_off([p.id for p in people], desk.clock())
    if not entries:
        return View(texts("desk.timeoff.none") + "\n\n" + texts("desk.timeoff.usage"))
    zone = office.time_zone
    lines = [texts("desk.timeoff.list")]
    rows = []
    for entry in entries[:20]:
        person = office.staff_member(entry.staff_id)
        name = person.name if person else entry.staff_id
        label = (
            f"{name}: {texts.when(entry.starts_at, zone, zone)}"
            f" – {texts.when(entry.ends_at, zone, zone)} ({entry.reason})"
        )
        lines.append(label)
        rows.append(
            [
                button(
                    texts(
                        "desk.button.remove_time_off",
                        when=texts.short_day(entry.starts_at.astimezone(zone).date()),
                    ),
                    f"tr:{entry.id}",
                )
            ]
        )
    lines += ["", texts("desk.timeoff.usage")]
    return View("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def _month_range(office: Municipality, year: int, month: int) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return local_day_bounds(office, first)[0], local_day_bounds(office, following)[0]


async def _figures(desk: Desk, bot: Bot, message: Message, presser: Presser, words: str) -> None:
    texts, office = presser.texts, presser.office
    try:
        year, month = parse_month(words, desk.today(office))
    except InputError as refused:
        await message.answer(texts(refused.key))
        return
    start, end = _month_range(office, year, month)
    bookings = await desk.store.bookings_between(office.id, start, end)
    figures = month_figures(office, bookings, desk.clock())
    title = texts("desk.figures.title", month=texts.month(year, month))
    await message.answer(figures_text(texts, office, figures, title))
    if figures.bookings:
        chart = figures_chart(texts, office, figures, title)
        await bot.send_photo(
            message.chat.id, BufferedInputFile(chart, f"figures-{year}-{month:02d}.png")
        )


def figures_text(texts: Texts, office: Municipality, figures: Figures, title: str) -> str:
    lines = [title, texts("desk.figures.bookings", count=figures.bookings)]
    if not figures.bookings:
        return "\n".join(lines)
    for service_id, count in figures.by_service.items():
        service = office.service(service_id)
        name = service.name.in_language(texts.language) if service else service_id
        lines.append(f"  {name}: {count}")
    for mode, count in figures.by_mode.items():
        lines.append(f"  {texts(f'mode.{mode}')}: {count}")
    lines.append(
        texts(
            "desk.figures.cancellations",
            citizen=figures.cancelled_by_citizen,
            staff=figures.cancelled_by_staff,
        )
    )
    lines.append(
        texts(
            "desk.figures.attendance",
            attended=figures.attended,
            excused=figures.excused,
            no_show=figures.no_show,
            unmarked=figures.unmarked,
        )
    )
    rate = "-" if figures.no_show_rate is None else f"{figures.no_show_rate:.0%}"
    lines.append(texts("desk.figures.no_show_rate", rate=rate))
    ahead = "-" if figures.median_days_ahead is None else f"{figures.median_days_ahead:.1f}"
    lines.append(texts("desk.figures.days_ahead", days=ahead))
    busiest = ", ".join(f"{hour:02d}:00 ({count})" for hour, count in figures.busiest_hours)
    lines.append(texts("desk.figures.busiest", hours=busiest or "-"))
    return "\n".join(lines)


async def _export(desk: Desk, bot: Bot, message: Message, presser: Presser, words: str) -> None:
    texts, office = presser.texts, presser.office
    if not presser.private:
        await message.answer(texts("desk.export.private_only"))
        return
    try:
        year, month = parse_month(words, desk.today(office))
    except InputError as refused:
        await message.answer(texts(refused.key))
        return
    start, end = _month_range(office, year, month)
    bookings = await desk.store.bookings_between(office.id, start, end)
    content = month_csv(texts, office, bookings)
    await desk.store.record(presser.member.id, "export", f"{year}-{month:02d}", desk.clock())
    await bot.send_document(
        message.chat.id,
        BufferedInputFile(content, f"{office.id}-{year}-{month:02d}.csv"),
        caption=texts("desk.export.caption", month=texts.month(year, month), count=len(bookings)),
    )


async def _audit(desk: Desk, bot: Bot, message: Message, presser: Presser, words: str) -> None:
    texts, office = presser.texts, presser.office
    actions = await desk.store.last_actions(AUDIT_LINES)
    if not actions:
        await message.answer(texts("desk.audit.none"))
        return
    zone = office.time_zone
    lines = [texts("desk.audit.title", count=len(actions))]
    for action in actions:
        person = office.staff_member(action.staff_id)
        when = action.at.astimezone(zone).strftime("%d/%m %H:%M")
        what = texts(f"desk.audit.{action.action}")
        target = f" {action.reference}" if action.reference else ""
        detail = action.detail
        if action.action == "cancel":
            detail = texts.cancel_reason(detail)
        elif action.action == "attendance":
            detail = texts(f"desk.csv.attendance.{detail}")
        who = person.name if person else action.staff_id
        lines.append(f"{when} · {who} · {what}{target} · {detail}")
    await message.answer("\n".join(lines)[:4096])


_COMMAND_HANDLERS = {
    "today": _today,
    "tomorrow": _tomorrow,
    "day": _day,
    "timeoff": _time_off,
    "desk": _help,
    "figures": _figures,
    "export": _export,
    "audit": _audit,
}
