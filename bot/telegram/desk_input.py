"""What staff type after a desk command: a day or a range of days, hours, a month, a staff id.

"/timeoff 10/12 12:00-14:30 Σεμινάριο", "/timeoff 24/12-31/12 Άδεια",
"/timeoff staff-2 10/12 Ασθένεια" (a manager, for someone else), "/figures 11/2026".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dialogs.parsing import showable
from domain.model import Municipality, StaffMember

_DAY = r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?"
_DAYS = re.compile(rf"^{_DAY}(?:\s*[-–]\s*{_DAY})?$")
_HOURS = re.compile(r"^(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})$")
_MONTH = re.compile(r"^(\d{1,2})[/.](\d{4})$")


class InputError(Exception):
    """`key`: the catalog message that says what is wrong."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class TimeOffRequest:
    member: StaffMember
    start: datetime
    end: datetime
    reason: str


def _day(day_text: str, month_text: str, year_text: str | None, today: date) -> date:
    day, month = int(day_text), int(month_text)
    year = int(year_text) if year_text else today.year
    if year < 100:
        year += 2000
    try:
        result = date(year, month, day)
    except ValueError:
        raise InputError("desk.input.no_such_day") from None
    if year_text is None and result < today - timedelta(days=31):
        result = result.replace(year=year + 1)  # "5/1" typed in December: next January
    return result


def parse_time_off(
    words: str, office: Municipality, member: StaffMember, today: date
) -> TimeOffRequest:
    parts = words.split()
    whom = member
    if parts and office.staff_member(parts[0]) is not None:
        named = office.staff_member(parts[0])
        assert named is not None
        if named.id != member.id and not member.is_manager:
            raise InputError("desk.input.only_managers_for_others")
        whom, parts = named, parts[1:]
    if not parts:
        raise InputError("desk.timeoff.usage")
    days = _DAYS.match(parts[0])
    if not days:
        raise InputError("desk.timeoff.usage")
    first = _day(days[1], days[2], days[3], today)
    last = _day(days[4], days[5], days[6], today) if days[4] else first
    if last < first:
        raise InputError("desk.input.range_backwards")
    if last - first > timedelta(days=366):
        raise InputError("desk.input.range_too_long")
    parts = parts[1:]
    zone = office.time_zone
    start_wall, end_wall = time(0), None
    if parts and (hours := _HOURS.match(parts[0])):
        h1, m1, h2, m2 = (int(g) for g in hours.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise InputError("desk.input.no_such_time")
        start_wall = time(h1, m1)
        end_wall = time(0) if h2 == 24 else time(h2, m2)
        if end_wall != time(0) and end_wall <= start_wall:
            raise InputError("desk.input.range_backwards")
        parts = parts[1:]
    reason = showable(" ".join(parts)).strip()
    if not reason:
        raise InputError("desk.timeoff.needs_reason")
    start = datetime.combine(first, start_wall, tzinfo=zone)
    if end_wall is None or end_wall == time(0):
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    else:
        end = datetime.combine(last, end_wall, tzinfo=zone)
    return TimeOffRequest(whom, start, end, reason[:300])


def parse_month(words: str, today: date) -> tuple[int, int]:
    """ "11/2026", or nothing for this month."""
    text = words.strip()
    if not text:
        return today.year, today.month
    match = _MONTH.match(text)
    if not match or not 1 <= int(match[1]) <= 12:
        raise InputError("desk.input.month_usage")
    return int(match[2]), int(match[1])
