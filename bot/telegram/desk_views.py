"""The staff desk's messages: a day's appointments of one staff member, a page at a time, each
with its buttons; the day picker; the prompts for a no-show and a cancellation.

Contact details (e-mail, mobile) appear only when `private` is true: never in the staff group.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from aiogram.types import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from domain.model import Attendance, Booking, CancelReason, Municipality, StaffMember
from locales.texts import Texts

PAGE_SIZE = 6
"""Appointments per message: each brings a row of buttons, and a phone shows about six."""
PREFIX = "sd:"
"""callback_data of every desk button."""


@dataclass(frozen=True, slots=True)
class View:
    text: str
    markup: InlineKeyboardMarkup | ForceReply | None = None


def button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=label, callback_data=PREFIX + data)


def day_code(day: date) -> str:
    return day.strftime("%Y%m%d")


def parse_day_code(code: str) -> date | None:
    try:
        day = datetime.strptime(code, "%Y%m%d").date()
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def appointment_lines(
    texts: Texts, municipality: Municipality, booking: Booking, *, private: bool
) -> list[str]:
    zone = municipality.time_zone
    service = municipality.service(booking.service_id)
    service_name = service.name.in_language(texts.language) if service else booking.service_id
    lines = [
        f"{texts.clock(booking.starts_at, zone)} · {booking.reference} · {service_name} · "
        f"{texts(f'mode.{booking.mode.value}')}",
        texts("desk.citizen", name=booking.contact.full_name, subject=booking.subject),
    ]
    if booking.application_number:
        lines.append(texts("summary.appno", value=booking.application_number))
    third = booking.third_person
    if third and (third.full_name or third.email):
        shown = third.full_name or ""
        if private and third.email:
            shown = f"{shown} {third.email}".strip()
        lines.append(texts("summary.third", value=shown or "-"))
    if private:
        lines.append(
            texts("desk.contact", email=booking.contact.email, phone=booking.contact.phone)
        )
    if booking.attendance is not None:
        marker = municipality.staff_member(booking.attendance_by or "")
        lines.append(
            texts(
                f"desk.attendance.{booking.attendance.value}",
                by=marker.name if marker else booking.attendance_by,
                at=texts.clock(booking.attendance_at, zone) if booking.attendance_at else "",
            )
        )
    return lines


def appointment_buttons(
    texts: Texts, municipality: Municipality, booking: Booking
) -> list[InlineKeyboardButton]:
    clock = texts.clock(booking.starts_at, municipality.time_zone)
    return [
        button(f"{clock} " + texts("desk.button.attended"), f"a:{booking.id}:attended"),
        button(texts("desk.button.no_show"), f"n:{booking.id}"),
        button(texts("desk.button.cancel"), f"c:{booking.id}"),
        button(texts("desk.button.contact"), f"i:{booking.id}"),
    ]


def appointment_blocks(
    texts: Texts, municipality: Municipality, bookings: Sequence[Booking], *, private: bool
) -> tuple[list[str], list[list[InlineKeyboardButton]]]:
    """Each appointment's lines, and its row of buttons."""
    blocks = [
        "\n".join(appointment_lines(texts, municipality, b, private=private)) for b in bookings
    ]
    return blocks, [appointment_buttons(texts, municipality, b) for b in bookings]


def agenda_page(
    texts: Texts,
    municipality: Municipality,
    member: StaffMember,
    day: date,
    appointments: Sequence[Booking],
    page: int,
    *,
    private: bool,
) -> View:
    """One staff member's appointments of one day, page `page` (from 0)."""
    pages = max(1, -(-len(appointments) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = appointments[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    title = texts("desk.agenda.title", day=texts.day(day), name=member.name)
    if pages > 1:
        title += " " + texts("desk.agenda.page", page=page + 1, pages=pages)
    if not appointments:
        return View(title + "\n" + texts("desk.agenda.none"))
    blocks, rows = appointment_blocks(texts, municipality, shown, private=private)
    blocks.insert(0, title)
    if pages > 1:
        index = municipality.staff.index(member)
        navigation = []
        if page > 0:
            navigation.append(button("◀", f"p:{day_code(day)}:{index}:{page - 1}"))
        if page < pages - 1:
            navigation.append(button("▶", f"p:{day_code(day)}:{index}:{page + 1}"))
        rows.append(navigation)
    return View("\n\n".join(blocks), InlineKeyboardMarkup(inline_keyboard=rows))


def page_of(appointments: Sequence[Booking], booking_id: int) -> int:
    for position, booking in enumerate(appointments):
        if booking.id == booking_id:
            return position // PAGE_SIZE
    return 0


def no_show_prompt(texts: Texts, booking: Booking) -> View:
    rows = [
        [button(texts("desk.button.excused"), f"a:{booking.id}:{Attendance.EXCUSED.value}")],
        [button(texts("desk.button.unexcused"), f"a:{booking.id}:{Attendance.NO_SHOW.value}")],
        [button(texts("desk.button.never_mind"), "x")],
    ]
    text = texts("desk.no_show.prompt", reference=booking.reference)
    return View(text, InlineKeyboardMarkup(inline_keyboard=rows))


def cancel_prompt(texts: Texts, municipality: Municipality, booking: Booking) -> View:
    rows = [
        [button(texts(f"cancel_reason.{reason.value}"), f"r:{booking.id}:{reason.value}")]
        for reason in CancelReason
    ]
    rows.append([button(texts("desk.button.type_reason"), f"t:{booking.id}")])
    rows.append([button(texts("desk.button.never_mind"), "x")])
    when = texts.when(booking.starts_at, municipality.time_zone, municipality.time_zone)
    text = texts(
        "desk.cancel.prompt", reference=booking.reference, when=when, name=booking.contact.full_name
    )
    return View(text, InlineKeyboardMarkup(inline_keyboard=rows))


REASON_MARK = "#"
"""The typed reason's prompt carries the booking id as "#123": the reply is matched to it
without keeping any state between the two messages."""


def typed_reason_prompt(texts: Texts, booking: Booking) -> View:
    text = texts("desk.cancel.type", reference=booking.reference, mark=f"{REASON_MARK}{booking.id}")
    return View(text, ForceReply(force_reply=True, selective=True))


def day_picker(texts: Texts, year: int, month: int, today: date) -> View:
    """A month of day buttons; the arrows move a month."""
    rows = [[button(initial, "x") for initial in texts.weekday_initials()]]
    for week in calendar.Calendar().monthdayscalendar(year, month):
        row = []
        for number in week:
            if number == 0:
                row.append(button(" ", "x"))
                continue
            label = f"·{number}·" if date(year, month, number) == today else str(number)
            row.append(button(label, f"d:{day_code(date(year, month, number))}"))
        rows.append(row)
    previous = (year, month - 1) if month > 1 else (year - 1, 12)
    following = (year, month + 1) if month < 12 else (year + 1, 1)
    rows.append(
        [
            button("◀", f"m:{previous[0]:04d}{previous[1]:02d}"),
            button("▶", f"m:{following[0]:04d}{following[1]:02d}"),
        ]
    )
    return View(
        texts("desk.day_picker", month=texts.month(year, month)),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )
