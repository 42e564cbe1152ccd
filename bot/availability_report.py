"""`python -m bot availability`: the next free days and times of every service, as citizens
will be offered them — a quick check that configuration and database agree."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.availability import SlotQuery, bookable_days
from domain.model import Mode, Municipality
from domain.ports import Storage
from domain.use_cases import find_available_days, find_available_times

_DAYS_SHOWN = 5


async def availability_report(
    storage: Storage, municipality: Municipality, now: datetime | None = None
) -> list[str]:
    now = now or datetime.now(UTC)
    first, last = bookable_days(municipality, now)
    tz = municipality.time_zone
    lines = [f"{municipality.name.el} — bookable {first:%d/%m/%Y}–{last:%d/%m/%Y} ({tz.key})"]
    for service in municipality.services:
        for mode in Mode:
            if mode not in service.modes:
                continue
            query = SlotQuery(service.id, mode)
            days = await find_available_days(storage, municipality, query, first, last, now)
            lines.append(f"  {service.name.el} · {mode.value}: {len(days)} days with free times")
            if days:
                shown = ", ".join(f"{d:%a %d/%m}" for d in days[:_DAYS_SHOWN])
                lines.append(f"    next days: {shown}")
                times = await find_available_times(storage, municipality, query, days[0], now)
                shown = " ".join(f"{s.start.astimezone(tz):%H:%M}" for s in times)
                lines.append(f"    {days[0]:%a %d/%m}: {shown}")
    return lines
