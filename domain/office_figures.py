"""The office's figures for a month, from its bookings: what a head of office reports."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.model import Attendance, Booking, BookingStatus, Municipality


@dataclass(frozen=True, slots=True)
class Figures:
    bookings: int
    """Appointments of the month that were booked (cancelled ones included)."""
    by_service: dict[str, int]
    by_mode: dict[str, int]
    cancelled_by_citizen: int
    cancelled_by_staff: int
    attended: int
    excused: int
    no_show: int
    unmarked: int
    """Active appointments already started with no attendance recorded."""
    no_show_rate: float | None
    """No-shows (excused or not) over the appointments whose attendance is known."""
    median_days_ahead: float | None
    """Days between booking and appointment, the median."""
    busiest_hours: list[tuple[int, int]]
    """(local hour, appointments), the busiest first, at most three."""
    by_hour: dict[int, int]


def month_figures(
    municipality: Municipality, bookings: Sequence[Booking], now: datetime
) -> Figures:
    active = [b for b in bookings if b.status is BookingStatus.ACTIVE]
    cancelled = [b for b in bookings if b.status is BookingStatus.CANCELLED]
    by_office = sum(1 for b in cancelled if b.cancelled_by_office)
    attendance = Counter(b.attendance for b in active if b.attendance is not None)
    known = sum(attendance.values())
    absent = attendance[Attendance.EXCUSED] + attendance[Attendance.NO_SHOW]
    zone = municipality.time_zone
    hours = Counter(b.starts_at.astimezone(zone).hour for b in active)
    ahead = [(b.starts_at - b.created_at).total_seconds() / 86400 for b in bookings]
    return Figures(
        bookings=len(bookings),
        by_service=dict(Counter(b.service_id for b in bookings).most_common()),
        by_mode=dict(Counter(b.mode.value for b in bookings).most_common()),
        cancelled_by_citizen=len(cancelled) - by_office,
        cancelled_by_staff=by_office,
        attended=attendance[Attendance.ATTENDED],
        excused=attendance[Attendance.EXCUSED],
        no_show=attendance[Attendance.NO_SHOW],
        unmarked=sum(1 for b in active if b.attendance is None and b.starts_at <= now),
        no_show_rate=absent / known if known else None,
        median_days_ahead=statistics.median(ahead) if ahead else None,
        busiest_hours=sorted(hours.items(), key=lambda item: (-item[1], item[0]))[:3],
        by_hour=dict(sorted(hours.items())),
    )
