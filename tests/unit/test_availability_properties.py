"""The availability engine against a brute-force reference, on random schedules and bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.availability import Busy, SlotQuery, available_times, bookable_range, epoch
from domain.model import Mode, Municipality, TimeRange
from tests.factories import ATHENS, athens, municipality, staff

QUERY = SlotQuery("permits", Mode.IN_PERSON)
# Ordinary days (no daylight-saving change), including a holiday (8 Dec is not; 25 Dec is).
DAYS = [date(2026, 12, d) for d in (3, 4, 7, 8, 24, 25, 28)]


@st.composite
def working_day(draw: st.DrawFn) -> tuple[TimeRange, ...]:
    minutes = sorted(draw(st.sets(st.integers(6 * 4, 20 * 4), min_size=0, max_size=4)))
    ranges = []
    for start, end in zip(minutes[0::2], minutes[1::2], strict=False):
        ranges.append(TimeRange(time(start // 4, start % 4 * 15), time(end // 4, end % 4 * 15)))
    return tuple(ranges)


@st.composite
def scenario(draw: st.DrawFn) -> tuple[Municipality, dict[str, Busy], date, datetime]:
    day = draw(st.sampled_from(DAYS))
    members = []
    busy = {}
    for name in ("anna", "babis", "chrysa")[: draw(st.integers(1, 3))]:
        hours_that_day = draw(working_day())
        week = tuple(hours_that_day if d == day.weekday() else () for d in range(7))
        members.append(staff(name, week))
        starts = draw(st.sets(st.integers(0, 24 * 12 - 1), max_size=8))  # 5-minute marks
        intervals, free_from = [], 0
        for mark in sorted(starts):
            start = epoch(athens(day, "00:00")) + mark * 300
            length = draw(st.sampled_from([15, 20, 30])) * 60
            if start >= free_from:
                intervals.append((start, start + length))
                free_from = start + length
        busy[name] = Busy.from_intervals(intervals)
    m = municipality(
        *members,
        notice=timedelta(hours=draw(st.integers(0, 72))),
        buffer_minutes=draw(st.sampled_from([0, 5, 10])),
        window_days=draw(st.integers(1, 30)),
    )
    now = athens(day, "12:00") - timedelta(hours=draw(st.integers(0, 24 * 20)))
    return m, busy, day, now


def brute_force(
    m: Municipality, busy: dict[str, Busy], day: date, now: datetime
) -> set[tuple[datetime, str]]:
    """Every 15-minute mark of the day, checked against every rule, the slow obvious way."""
    earliest, latest = bookable_range(m, now)
    free: set[tuple[datetime, str]] = set()
    if day in m.public_holidays:
        return free
    duration = timedelta(minutes=20)
    for member in m.staff:
        for mark in range(0, 24 * 60, 15):
            wall = time(mark // 60, mark % 60)
            start = datetime.combine(day, wall, tzinfo=ATHENS).astimezone(UTC)
            end_mark = mark + 20
            fits = any(
                r.start <= wall and end_mark <= r.end.hour * 60 + r.end.minute
                for r in member.weekly_hours[day.weekday()]
            )
            occupied_until = epoch(start + duration + m.rules.buffer)
            clashes = any(
                s < occupied_until and e > epoch(start)
                for s, e in zip(busy[member.id].starts, busy[member.id].ends, strict=True)
            )
            if fits and not clashes and earliest <= start < latest:
                free.add((start, member.id))
    return free


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_free_times_are_exactly_those_the_brute_force_finds(case):
    m, busy, day, now = case
    slots = available_times(m, QUERY, busy, day, now)
    found = {(s.start, staff_id) for s in slots for staff_id in s.staff_ids}
    assert found == brute_force(m, busy, day, now)
    assert [s.start for s in slots] == sorted({s.start for s in slots})
