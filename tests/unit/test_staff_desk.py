"""What staff type after /timeoff and /figures, and the month's figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from aiogram.types import InlineKeyboardMarkup

from bot.telegram.desk_input import InputError, parse_month, parse_time_off
from bot.telegram.desk_views import agenda_page
from domain.model import (
    Attendance,
    Booking,
    BookingStatus,
    ContactDetails,
    Mode,
    Role,
)
from domain.office_figures import month_figures
from locales.texts import Texts
from tests.factories import athens, municipality, staff

CHANIA = municipality(staff("anna"), replace(staff("head"), role=Role.MANAGER))
ANNA, HEAD = CHANIA.staff
TODAY = date(2026, 12, 2)


def test_a_whole_day_off_runs_from_midnight_to_midnight():
    request = parse_time_off("10/12 Άδεια", CHANIA, ANNA, TODAY)
    assert (request.member, request.reason) == (ANNA, "Άδεια")
    assert request.start == athens(date(2026, 12, 10), "00:00")
    assert request.end == athens(date(2026, 12, 11), "00:00")


def test_an_afternoon_and_a_range_of_days():
    afternoon = parse_time_off("10/12 12:00-14:30 Σεμινάριο ΤΕΕ", CHANIA, ANNA, TODAY)
    assert (afternoon.start, afternoon.end) == (
        athens(date(2026, 12, 10), "12:00"),
        athens(date(2026, 12, 10), "14:30"),
    )
    assert afternoon.reason == "Σεμινάριο ΤΕΕ"
    holidays = parse_time_off("24/12-5/1 Άδεια", CHANIA, ANNA, TODAY)
    assert holidays.end == athens(date(2027, 1, 6), "00:00")  # January is next year's


def test_only_a_manager_enters_time_off_for_someone_else():
    assert parse_time_off("anna 10/12 Ασθένεια", CHANIA, HEAD, TODAY).member == ANNA
    with pytest.raises(InputError) as refused:
        parse_time_off("head 10/12 Ασθένεια", CHANIA, ANNA, TODAY)
    assert refused.value.key == "desk.input.only_managers_for_others"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("", "desk.timeoff.usage"),
        ("αύριο", "desk.timeoff.usage"),
        ("10/12", "desk.timeoff.needs_reason"),
        ("31/11 Άδεια", "desk.input.no_such_day"),
        ("10/12 14:00-12:00 Άδεια", "desk.input.range_backwards"),
        ("12/12-10/12 Άδεια", "desk.input.range_backwards"),
        ("10/12 25:00-26:00 Άδεια", "desk.input.no_such_time"),
    ],
)
def test_what_cannot_be_read_is_refused_with_the_reason(typed: str, key: str):
    with pytest.raises(InputError) as refused:
        parse_time_off(typed, CHANIA, ANNA, TODAY)
    assert refused.value.key == key


def test_a_month_is_typed_as_mm_yyyy_or_left_out():
    assert parse_month("", TODAY) == (2026, 12)
    assert parse_month("11/2026", TODAY) == (2026, 11)
    with pytest.raises(InputError):
        parse_month("13/2026", TODAY)


def booking(number: int, day: int, clock: str, **changes: object) -> Booking:
    starts = athens(date(2026, 11, day), clock)
    made = Booking(
        reference=f"XAN-{number:05d}",
        municipality_id="chania",
        service_id="permits",
        mode=Mode.IN_PERSON,
        staff_id="anna",
        staff_chosen_by_citizen=False,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=20),
        busy_until=starts + timedelta(minutes=20),
        citizen_id=number,
        contact=ContactDetails("Μαρία", "m@example.com", "+306900000000"),
        subject="-",
        application_number=None,
        third_person=None,
        consent_version="v",
        consented_at=starts - timedelta(days=4),
        created_at=starts - timedelta(days=4),
        id=number,
        status=BookingStatus.ACTIVE,
        sequence=0,
        updated_at=starts,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def test_the_months_figures():
    bookings = [
        booking(1, 2, "09:00", attendance=Attendance.ATTENDED),
        booking(2, 2, "09:30", attendance=Attendance.NO_SHOW, mode=Mode.VIDEO_CALL),
        booking(3, 3, "09:00", attendance=Attendance.EXCUSED),
        booking(4, 3, "09:15", attendance=Attendance.ATTENDED),
        booking(5, 4, "12:00"),
        booking(6, 5, "10:00", status=BookingStatus.CANCELLED, cancelled_by="citizen"),
        booking(7, 5, "10:30", status=BookingStatus.CANCELLED, cancelled_by="head"),
    ]
    figures = month_figures(CHANIA, bookings, athens(date(2026, 12, 1), "09:00"))
    assert figures.bookings == 7
    assert figures.by_mode == {"in_person": 6, "video_call": 1}
    assert (figures.cancelled_by_citizen, figures.cancelled_by_staff) == (1, 1)
    assert (figures.attended, figures.excused, figures.no_show, figures.unmarked) == (2, 1, 1, 1)
    assert figures.no_show_rate == 0.5
    assert figures.median_days_ahead == 4
    assert figures.busiest_hours[0] == (9, 4)


def test_a_long_day_is_paged_and_the_group_view_has_no_contact_details():
    day = [booking(n, 2, f"{8 + n // 2:02d}:{30 * (n % 2):02d}") for n in range(8)]
    texts = Texts("el")
    first = agenda_page(texts, CHANIA, ANNA, date(2026, 11, 2), day, 0, private=False)
    assert "(σελίδα 1/2)" in first.text
    assert first.text.count("XAN-") == 6
    assert "m@example.com" not in first.text
    assert isinstance(first.markup, InlineKeyboardMarkup)
    navigation = [b.callback_data for b in first.markup.inline_keyboard[-1]]
    assert navigation == ["sd:p:20261102:0:1"]
    second = agenda_page(texts, CHANIA, ANNA, date(2026, 11, 2), day, 1, private=True)
    assert second.text.count("XAN-") == 2
    assert "m@example.com" in second.text  # in private, the contact details
