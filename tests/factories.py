"""Small municipalities built in code, so each test states the rules it depends on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from domain.model import (
    NEXT_WORKING_DAY,
    BookingRules,
    LocalizedText,
    MinimumNotice,
    Mode,
    Municipality,
    Period,
    Service,
    StaffMember,
    TimeRange,
    WeeklyHours,
)

ATHENS = ZoneInfo("Europe/Athens")


def text(value: str) -> LocalizedText:
    return LocalizedText(el=value, en=value)


def hours(*ranges: str, days: str = "mon tue wed thu fri") -> WeeklyHours:
    """`hours("08:30-11:00", "11:30-14:30")`: the same ranges on the given weekdays."""
    parsed = []
    for item in ranges:
        start, end = item.split("-")
        parsed.append(TimeRange(time.fromisoformat(start), time.fromisoformat(end)))
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return tuple(tuple(parsed) if name in days.split() else () for name in names)


def service(service_id: str = "permits", minutes: int = 20) -> Service:
    return Service(
        id=service_id,
        name=text(service_id),
        summary=text(service_id),
        description=text(service_id),
        documents=text("ID card"),
        duration=timedelta(minutes=minutes),
        modes=frozenset(Mode),
    )


def staff(
    staff_id: str,
    weekly_hours: WeeklyHours | None = None,
    services: tuple[str, ...] = ("permits",),
    time_off: tuple[Period, ...] = (),
) -> StaffMember:
    return StaffMember(
        id=staff_id,
        name=staff_id.title(),
        email=f"{staff_id}@example.com",
        service_ids=frozenset(services),
        modes=frozenset(Mode),
        weekly_hours=weekly_hours or hours("08:30-11:00", "11:30-14:30"),
        time_off=time_off,
    )


def municipality(
    *members: StaffMember,
    services: tuple[Service, ...] = (),
    notice: MinimumNotice = NEXT_WORKING_DAY,
    window_days: int = 30,
    buffer_minutes: int = 0,
    max_active: int = 3,
    closures: tuple[Period, ...] = (),
) -> Municipality:
    return Municipality(
        id="chania",
        name=text("Chania"),
        time_zone=ATHENS,
        office_address=text("Kydonias 29"),
        reference_prefix="XAN",
        services=services or (service(),),
        staff=members or (staff("anna"),),
        rules=BookingRules(
            minimum_notice=notice,
            window_days=window_days,
            buffer=timedelta(minutes=buffer_minutes),
            max_active_bookings_per_citizen=max_active,
        ),
        public_holidays=holidays.country_holidays("GR"),
        closures=closures,
    )


def athens(day: date, clock: str) -> datetime:
    """An instant given as Athens wall-clock time, returned in UTC."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=ATHENS).astimezone(UTC)


def wall_times(instants: list[datetime]) -> list[str]:
    return [i.astimezone(ATHENS).strftime("%H:%M") for i in instants]
