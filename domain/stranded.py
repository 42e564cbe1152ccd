"""Bookings that a changed configuration would strand: made under the old one, they fall on a
new closure or public holiday, outside their staff member's new hours, in their time off, or
name a staff member or service that is gone. Nothing moves them by itself: `check-config` warns,
and the office calls them off (from the staff desk, the citizen told) or keeps them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.model import Booking, Municipality, Period


@dataclass(frozen=True, slots=True)
class Stranded:
    reference: str
    starts_at: datetime
    reason: str
    """In English, for the operator; names no citizen."""


def stranded_bookings(municipality: Municipality, upcoming: Iterable[Booking]) -> list[Stranded]:
    found = []
    for booking in upcoming:
        reason = _why_stranded(municipality, booking)
        if reason:
            found.append(Stranded(booking.reference, booking.starts_at, reason))
    return sorted(found, key=lambda s: (s.starts_at, s.reference))


def _why_stranded(municipality: Municipality, booking: Booking) -> str | None:
    member = municipality.staff_member(booking.staff_id)
    if member is None:
        return f"staff member {booking.staff_id!r} is no longer in the configuration"
    if municipality.service(booking.service_id) is None:
        return f"service {booking.service_id!r} is no longer in the configuration"
    if not member.offers(booking.service_id, booking.mode):
        return f"{member.id} no longer offers {booking.service_id} ({booking.mode.value})"
    local_start = booking.starts_at.astimezone(municipality.time_zone)
    local_end = booking.ends_at.astimezone(municipality.time_zone)
    if municipality.is_closed_on(local_start.date()):
        return "falls on a public holiday"
    closure = _overlapping(municipality.closures, booking)
    if closure is not None:
        return f"falls in a closure{_named(closure)}"
    time_off = _overlapping(member.time_off, booking)
    if time_off is not None:
        return f"falls in {member.id}'s time off{_named(time_off)}"
    hours = member.weekly_hours[local_start.weekday()]
    within = any(
        r.start <= local_start.time() and local_end.time() <= r.end
        for r in hours
        if local_start.date() == local_end.date()
    )
    if not within:
        return f"outside {member.id}'s working hours"
    return None


def _overlapping(periods: Iterable[Period], booking: Booking) -> Period | None:
    return next(
        (p for p in periods if p.start < booking.ends_at and booking.starts_at < p.end), None
    )


def _named(period: Period) -> str:
    return f" ({period.reason})" if period.reason else ""
