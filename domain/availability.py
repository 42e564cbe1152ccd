"""Free appointment times: working hours, breaks, holidays, closures, time off, notice, window,
buffers and existing bookings, right across daylight-saving changes.

Inside, instants are integer epoch seconds: the month view walks thousands of candidate times,
and integer comparisons keep it within a few milliseconds. Public functions take and return
aware datetimes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.model import Mode, Municipality, NextWorkingDay, Period, StaffMember

Interval = tuple[int, int]
"""[start, end) in epoch seconds."""


@dataclass(frozen=True, slots=True)
class Busy:
    """The intervals one staff member's active bookings occupy (each end includes the buffer):
    [starts[i], ends[i]), in time order, never overlapping."""

    starts: Sequence[int]
    ends: Sequence[int]
    elsewhere: Busy | None = None
    """Their other commitments (meetings and absences in Outlook), apart from each other in the
    same way. Kept as a layer of its own: they may overlap the bookings, and they are not
    appointments (choosing a staff member for "anyone" counts only bookings)."""

    def is_free(self, start: int, occupies: int) -> bool:
        i = bisect_right(self.ends, start)
        if i < len(self.starts) and self.starts[i] < start + occupies:
            return False
        return self.elsewhere is None or self.elsewhere.is_free(start, occupies)

    @classmethod
    def from_intervals(cls, intervals: Iterable[Interval]) -> Busy:
        ordered = sorted(intervals)
        return cls([start for start, _ in ordered], [end for _, end in ordered])

    @classmethod
    def merged(cls, intervals: Iterable[Interval]) -> Busy:
        """Intervals that may overlap (Outlook's and the desk's time off), joined."""
        starts: list[int] = []
        ends: list[int] = []
        for start, end in sorted(intervals):
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        return cls(starts, ends)


BusyTimes = Mapping[str, Busy]
"""Per staff id."""

NOT_BUSY = Busy((), ())

_MIDNIGHT = time(0)
_LOOKAHEAD_FOR_OPEN_DAY = 366


@dataclass(frozen=True, slots=True)
class SlotQuery:
    service_id: str
    mode: Mode
    staff_id: str | None = None
    """None: anyone who offers the service."""


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    staff_ids: tuple[str, ...]
    """Everyone free at this time, in the configuration's order."""


def epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class _DayClock:
    """Wall-clock times of one local day as epoch seconds; plain addition unless the
    day has a daylight-saving change."""

    __slots__ = ("_day", "_tz", "_uniform", "midnight")

    def __init__(self, day: date, tz: ZoneInfo) -> None:
        start = datetime.combine(day, _MIDNIGHT, tzinfo=tz)
        following = datetime.combine(day + timedelta(days=1), _MIDNIGHT, tzinfo=tz)
        self._day, self._tz = day, tz
        self.midnight = epoch(start)
        self._uniform = start.utcoffset() == following.utcoffset()

    def at(self, wall: time) -> int:
        if self._uniform:
            return self.midnight + wall.hour * 3600 + wall.minute * 60 + wall.second
        return epoch(datetime.combine(self._day, wall, tzinfo=self._tz))


def _subtract(spans: list[Interval], blocked: Sequence[Interval]) -> list[Interval]:
    for b_start, b_end in blocked:
        remaining: list[Interval] = []
        for start, end in spans:
            if b_end <= start or b_start >= end:
                remaining.append((start, end))
                continue
            if start < b_start:
                remaining.append((start, b_start))
            if b_end < end:
                remaining.append((b_end, end))
        spans = remaining
    return spans


def _as_intervals(periods: Sequence[Period]) -> tuple[Interval, ...]:
    return tuple((epoch(p.start), epoch(p.end)) for p in periods)


@dataclass(frozen=True, slots=True)
class _StaffPlan:
    """One staff member's inputs, prepared once per query."""

    member: StaffMember
    blocked: tuple[Interval, ...]
    busy: Busy

    def working_spans(self, clock: _DayClock, weekday: int) -> list[Interval]:
        spans = [(clock.at(r.start), clock.at(r.end)) for r in self.member.weekly_hours[weekday]]
        if not spans or not self.blocked:
            return spans
        day_start, day_end = spans[0][0], spans[-1][1]
        relevant = [b for b in self.blocked if b[0] < day_end and b[1] > day_start]
        return _subtract(spans, relevant) if relevant else spans

    def is_free(self, start: int, occupies: int) -> bool:
        return self.busy.is_free(start, occupies)


class _Search:
    """Everything one availability question needs, with the rules applied once."""

    def __init__(
        self, municipality: Municipality, query: SlotQuery, busy: BusyTimes, now: datetime
    ) -> None:
        service = municipality.service(query.service_id)
        self.municipality = municipality
        self.tz = municipality.time_zone
        rules = municipality.rules
        self.step = int(rules.slot_step.total_seconds())
        if service is None or query.mode not in service.modes:
            self.plans: list[_StaffPlan] = []
            self.duration = self.step
        else:
            self.duration = int(service.duration.total_seconds())
            members = municipality.staff_offering(service.id, query.mode)
            if query.staff_id is not None:
                members = tuple(m for m in members if m.id == query.staff_id)
            self.plans = [_plan(m, municipality, busy) for m in members]
        self.occupies = self.duration + int(rules.buffer.total_seconds())
        earliest, latest = bookable_range(municipality, now)
        self.earliest, self.latest = epoch(earliest), epoch(latest)

    def candidates(self, plan: _StaffPlan, day: date, clock: _DayClock) -> Iterator[int]:
        """Start times on the step grid where the appointment fits the working hours."""
        not_before = self._on_grid(self.earliest, clock)
        for start, end in plan.working_spans(clock, day.weekday()):
            first = max(self._on_grid(start, clock), not_before)
            last = min(end - self.duration, self.latest - 1)
            yield from range(first, last + 1, self.step)

    def _on_grid(self, instant: int, clock: _DayClock) -> int:
        """The first time at or after `instant` a whole number of steps after midnight."""
        return clock.midnight + -(-(instant - clock.midnight) // self.step) * self.step

    def day_has_free_slot(self, day: date) -> bool:
        if self.municipality.is_closed_on(day):
            return False
        clock = _DayClock(day, self.tz)
        occupies = self.occupies
        for plan in self.plans:
            # plan.is_free, inlined: the month view asks this thousands of times
            starts, ends, elsewhere = plan.busy.starts, plan.busy.ends, plan.busy.elsewhere
            count = len(starts)
            for start in self.candidates(plan, day, clock):
                i = bisect_right(ends, start)
                if i < count and starts[i] < start + occupies:
                    continue
                if elsewhere is None or elsewhere.is_free(start, occupies):
                    return True
        return False

    def free_on(self, day: date) -> list[Slot]:
        if self.municipality.is_closed_on(day):
            return []
        clock = _DayClock(day, self.tz)
        free: dict[int, list[str]] = {}
        for plan in self.plans:
            for start in self.candidates(plan, day, clock):
                if plan.is_free(start, self.occupies):
                    free.setdefault(start, []).append(plan.member.id)
        return [
            Slot(from_epoch(s), from_epoch(s + self.duration), tuple(free[s])) for s in sorted(free)
        ]


def _plan(member: StaffMember, municipality: Municipality, busy: BusyTimes) -> _StaffPlan:
    return _StaffPlan(
        member=member,
        blocked=_as_intervals((*municipality.closures, *member.time_off)),
        busy=busy.get(member.id, NOT_BUSY),
    )


def _is_open(municipality: Municipality, day: date) -> bool:
    if municipality.is_closed_on(day):
        return False
    clock = _DayClock(day, municipality.time_zone)
    return any(
        _plan(member, municipality, {}).working_spans(clock, day.weekday())
        for member in municipality.staff
    )


def bookable_range(municipality: Municipality, now: datetime) -> tuple[datetime, datetime]:
    """The earliest start a citizen may book now, and the end of the booking window."""
    tz = municipality.time_zone
    today = now.astimezone(tz).date()
    notice = municipality.rules.minimum_notice
    if isinstance(notice, NextWorkingDay):
        day = today + timedelta(days=1)
        for _ in range(_LOOKAHEAD_FOR_OPEN_DAY):
            if _is_open(municipality, day):
                break
            day += timedelta(days=1)
        earliest = datetime.combine(day, _MIDNIGHT, tzinfo=tz)
    else:
        earliest = now + notice
    last_day = today + timedelta(days=municipality.rules.window_days)
    latest = datetime.combine(last_day + timedelta(days=1), _MIDNIGHT, tzinfo=tz)
    return earliest.astimezone(UTC), latest.astimezone(UTC)


def bookable_days(municipality: Municipality, now: datetime) -> tuple[date, date]:
    """First and last local day that may hold a bookable time."""
    earliest, latest = bookable_range(municipality, now)
    return municipality.local_date(earliest), municipality.local_date(latest - timedelta(days=1))


def available_days(
    municipality: Municipality,
    query: SlotQuery,
    busy: BusyTimes,
    first_day: date,
    last_day: date,
    now: datetime,
) -> list[date]:
    """The month view: days between first_day and last_day with at least one free time."""
    search = _Search(municipality, query, busy, now)
    low, high = bookable_days(municipality, now)
    day, end = max(first_day, low), min(last_day, high)
    days = []
    while day <= end:
        if search.day_has_free_slot(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def available_times(
    municipality: Municipality, query: SlotQuery, busy: BusyTimes, day: date, now: datetime
) -> list[Slot]:
    """The day view: each free start time of that local day, with the staff free then."""
    return _Search(municipality, query, busy, now).free_on(day)


def free_slots(
    municipality: Municipality,
    query: SlotQuery,
    busy: BusyTimes,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Slot]:
    """Every free start time in [start, end)."""
    search = _Search(municipality, query, busy, now)
    low, high = epoch(start), epoch(end)
    day, last = municipality.local_date(start), municipality.local_date(end)
    slots: list[Slot] = []
    while day <= last:
        slots += [s for s in search.free_on(day) if low <= epoch(s.start) < high]
        day += timedelta(days=1)
    return slots


def local_day_bounds(municipality: Municipality, day: date) -> tuple[datetime, datetime]:
    tz = municipality.time_zone
    start = datetime.combine(day, _MIDNIGHT, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), _MIDNIGHT, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def choose_staff(municipality: Municipality, slot: Slot, busy: BusyTimes) -> str:
    """ "Anyone": the free staff member with the fewest bookings that day; ties go to the one
    listed first in the configuration."""
    day_start, day_end = local_day_bounds(municipality, municipality.local_date(slot.start))
    low, high = epoch(day_start), epoch(day_end)
    order = {member.id: index for index, member in enumerate(municipality.staff)}

    def load(staff_id: str) -> tuple[int, int]:
        starts = busy.get(staff_id, NOT_BUSY).starts
        return bisect_left(starts, high) - bisect_left(starts, low), order[staff_id]

    return min(slot.staff_ids, key=load)
