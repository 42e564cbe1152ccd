"""The staff desk's commands: /today, /tomorrow, /day, /timeoff, /desk, and the managers'
/figures, /export and /audit. Each gets the staff member already checked (`Presser`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from bot.telegram.desk import Desk, Presser, send_view
from bot.telegram.desk_input import InputError, parse_month, parse_time_off
from bot.telegram.desk_views import View, button, day_picker
from domain.availability import local_day_bounds
from domain.model import Booking, Municipality
from domain.office_figures import Figures, month_figures
from integrations.reports import figures_chart, month_csv
from locales.texts import Texts

STAFF_COMMANDS = ("today", "tomorrow", "day", "timeoff", "desk")
MANAGER_COMMANDS = ("figures", "export", "audit")
AUDIT_LINES = 20
WHOAMI = "myid"
"""Not in any menu: the README tells staff to send it once, to learn their Telegram id."""


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
        await send_view(bot, message.chat.id, await time_off_list(desk, presser))
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


async def time_off_list(desk: Desk, presser: Presser) -> View:
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


async def _month_bookings(
    desk: Desk, message: Message, presser: Presser, words: str
) -> tuple[int, int, list[Booking]] | None:
    """The month typed after the command, and its bookings; None when it could not be read
    (the staff member has been told why)."""
    office = presser.office
    try:
        year, month = parse_month(words, desk.today(office))
    except InputError as refused:
        await message.answer(presser.texts(refused.key))
        return None
    start, end = _month_range(office, year, month)
    return year, month, await desk.store.bookings_between(office.id, start, end)


async def _figures(desk: Desk, bot: Bot, message: Message, presser: Presser, words: str) -> None:
    texts, office = presser.texts, presser.office
    found = await _month_bookings(desk, message, presser, words)
    if found is None:
        return
    year, month, bookings = found
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
    found = await _month_bookings(desk, message, presser, words)
    if found is None:
        return
    year, month, bookings = found
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


COMMAND_HANDLERS = {
    "today": _today,
    "tomorrow": _tomorrow,
    "day": _day,
    "timeoff": _time_off,
    "desk": _help,
    "figures": _figures,
    "export": _export,
    "audit": _audit,
}
