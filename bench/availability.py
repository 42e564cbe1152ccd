"""How fast citizens see free days and times, against a naive reference.

10 staff, 10,000 existing bookings (the next 30 days mostly full, the rest history) and 20,000
busy intervals read from the staff's Outlook calendars (ten-minute meetings three months either
side of today), on a SQLite file. Measures the month view (days with a free time in the 30-day
window) and the day view
(the free times of one day, each with its staff), each through the real use case and storage:
median of repeated runs, and the SQL queries each issues.

The naive reference works the way Easy!Appointments does: one query per day, then for every
candidate time a scan of that day's bookings. Both must give the same answer.

Run: make bench   (or .venv/bin/python -m bench.availability)
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.availability import SlotQuery, bookable_days, bookable_range
from domain.model import Mode, Municipality
from domain.use_cases import find_available_days, find_available_times
from integrations.db.engine import create_engine
from integrations.db.migrate import upgrade
from integrations.db.storage import SqlStorage
from integrations.db.tables import bookings, citizens, staff_busy
from tests.factories import ATHENS, hours, municipality, staff

STAFF = 10
BOOKINGS = 10_000
BUSY_INTERVALS = 20_000
WINDOW_FILL = 0.85
ROUNDS = 30
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
QUERY = SlotQuery("permits", Mode.IN_PERSON)


def office() -> Municipality:
    members = [
        staff(
            f"staff-{n:02d}",
            hours("08:30-11:00", "11:30-14:30") if n % 2 else hours("09:00-11:30", "12:00-14:30"),
        )
        for n in range(STAFF)
    ]
    return municipality(*members)


def grid_starts(m: Municipality, day: date) -> dict[str, list[datetime]]:
    """Non-overlapping 20-minute appointments on the 15-minute grid, per staff member."""
    result: dict[str, list[datetime]] = {}
    for member in m.staff:
        starts = []
        for span in member.weekly_hours[day.weekday()]:
            at = datetime.combine(day, span.start, tzinfo=ATHENS)
            end = datetime.combine(day, span.end, tzinfo=ATHENS)
            while at + timedelta(minutes=20) <= end:
                starts.append(at.astimezone(UTC))
                at += timedelta(minutes=30)
        result[member.id] = starts
    return result


def booking_rows(m: Municipality, citizen_id: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []

    def add(staff_id: str, start: datetime) -> None:
        rows.append(
            {
                "reference": f"XAN-{len(rows):05d}",
                "municipality_id": m.id,
                "service_id": "permits",
                "mode": "in_person",
                "staff_id": staff_id,
                "staff_chosen_by_citizen": False,
                "starts_at": start,
                "ends_at": start + timedelta(minutes=20),
                "busy_until": start + timedelta(minutes=20),
                "citizen_id": citizen_id,
                "full_name": "Bench Citizen",
                "email": "bench@example.com",
                "phone": "+306900000000",
                "subject": "bench",
                "consent_version": "bench",
                "consented_at": NOW,
                "status": "active",
                "sequence": 0,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )

    today = NOW.astimezone(ATHENS).date()
    for offset in range(1, m.rules.window_days + 1):  # the window: mostly full
        for staff_id, starts in grid_starts(m, today + timedelta(days=offset)).items():
            for start in starts:
                if rng.random() < WINDOW_FILL:
                    add(staff_id, start)
    day = today
    while len(rows) < BOOKINGS:  # history, going back in time
        day -= timedelta(days=1)
        for staff_id, starts in grid_starts(m, day).items():
            for start in starts:
                if len(rows) < BOOKINGS:
                    add(staff_id, start)
    return rows


def busy_rows(m: Municipality) -> list[dict[str, Any]]:
    """Ten-minute meetings at random working times, five minutes into a quarter hour so that
    they never overlap one another, spread over three months either side of NOW."""
    chooser = random.Random(7)
    per_member = BUSY_INTERVALS // len(m.staff)
    rows: list[dict[str, Any]] = []
    first = m.local_date(NOW) - timedelta(days=90)
    for member in m.staff:
        quarters: set[datetime] = set()
        while len(quarters) < per_member:
            day = first + timedelta(days=chooser.randrange(180))
            spans = member.weekly_hours[day.weekday()]
            if not spans:
                continue
            span = chooser.choice(spans)
            start = datetime.combine(day, span.start, tzinfo=ATHENS)
            end = datetime.combine(day, span.end, tzinfo=ATHENS)
            count = int((end - start) / timedelta(minutes=15))
            quarters.add(start + timedelta(minutes=15 * chooser.randrange(count) + 5))
        rows += [
            {"staff_id": member.id, "starts_at": q, "ends_at": q + timedelta(minutes=10)}
            for q in quarters
        ]
    return rows


async def seed(engine: AsyncEngine, m: Municipality) -> int:
    await upgrade(engine)
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(citizens)
            .values(channel="bench", channel_user_id="1", created_at=NOW)
            .returning(citizens.c.id)
        )
        rows = booking_rows(m, result.scalar_one())
        await connection.execute(insert(bookings), rows)
        await connection.execute(insert(staff_busy), busy_rows(m))
    return len(rows)


async def naive_month_view(engine: AsyncEngine, m: Municipality) -> list[date]:
    """A query per day, and for each candidate time a scan of all that day's bookings."""
    earliest, latest = bookable_range(m, NOW)
    first, last = bookable_days(m, NOW)
    service = m.service(QUERY.service_id)
    assert service is not None
    members = m.staff_offering(service.id, QUERY.mode)
    days = []
    async with engine.connect() as connection:
        day = first
        while day <= last:
            day_start = datetime.combine(day, time(0), tzinfo=ATHENS)
            result = await connection.execute(
                select(bookings.c.staff_id, bookings.c.starts_at, bookings.c.busy_until).where(
                    bookings.c.status == "active",
                    bookings.c.starts_at >= day_start,
                    bookings.c.starts_at < day_start + timedelta(days=1),
                )
            )
            day_bookings = result.all()
            busy = await connection.execute(
                select(staff_busy.c.staff_id, staff_busy.c.starts_at, staff_busy.c.ends_at).where(
                    staff_busy.c.starts_at >= day_start,
                    staff_busy.c.starts_at < day_start + timedelta(days=1),
                )
            )
            day_busy = busy.all()
            free_times = []
            for member in members:
                if m.is_closed_on(day):
                    continue
                for span in member.weekly_hours[day.weekday()]:
                    at = datetime.combine(day, span.start, tzinfo=ATHENS)
                    end = datetime.combine(day, span.end, tzinfo=ATHENS)
                    while at + service.duration <= end:
                        taken = any(
                            b.staff_id == member.id
                            and b.starts_at < at + service.duration
                            and b.busy_until > at
                            for b in day_bookings
                        ) or any(
                            b.staff_id == member.id
                            and b.starts_at < at + service.duration
                            and b.ends_at > at
                            for b in day_busy
                        )
                        if not taken and earliest <= at < latest:
                            free_times.append(at)
                        at += m.rules.slot_step
            if free_times:
                days.append(day)
            day += timedelta(days=1)
    return days


def count_queries(engine: AsyncEngine) -> list[str]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return statements


async def medians_ms(rounds: int, actions: dict[str, tuple[int, Any]]) -> dict[str, float]:
    """Median milliseconds of each action. The actions take turns, round after round, so that
    a slower moment of a shared machine weighs on all of them alike."""
    timings: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, (repeat, action) in actions.items():
            for _ in range(repeat):
                started = clock.perf_counter()
                await action()
                timings[name].append((clock.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in timings.items()}


async def main() -> None:
    m = office()
    first, last = bookable_days(m, NOW)
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        total = await seed(engine, m)
        storage = SqlStorage(engine)

        async def month_view() -> list[date]:
            return await find_available_days(storage, m, QUERY, first, last, NOW)

        busiest_day = first + timedelta(days=6)

        async def day_view() -> Any:
            return await find_available_times(storage, m, QUERY, busiest_day, NOW)

        async def naive() -> list[date]:
            return await naive_month_view(engine, m)

        fast_days, naive_days = await month_view(), await naive()
        assert fast_days == naive_days, (fast_days, naive_days)
        slots = await day_view()

        statements = count_queries(engine)
        await month_view()
        month_queries = len(statements)
        statements.clear()
        await day_view()
        day_queries = len(statements)
        statements.clear()
        await naive()
        naive_queries = len(statements)
        statements.clear()
        week = await find_available_days(storage, m, QUERY, first, first + timedelta(days=6), NOW)
        week_queries = len(statements)
        assert week == [d for d in fast_days if d <= first + timedelta(days=6)]

        medians = await medians_ms(
            ROUNDS, {"month": (10, month_view), "day": (10, day_view), "naive": (1, naive)}
        )
        month_ms, day_ms, naive_ms = medians["month"], medians["day"], medians["naive"]
        await engine.dispose()

    print(
        f"bookings in the database: {total}, busy intervals: {BUSY_INTERVALS} ({STAFF} staff); "
        f"window {first} .. {last}"
    )
    print(
        f"month view: {len(fast_days)} days with a free time; median {month_ms:.2f} ms; "
        f"{month_queries} query (a 7-day view: {week_queries})"
    )
    print(
        f"day view {busiest_day}: {len(slots)} free times; median {day_ms:.2f} ms; "
        f"{day_queries} query"
    )
    print(f"naive month view: median {naive_ms:.1f} ms; {naive_queries} queries")
    print(
        f"month_view_median_ms={month_ms:.2f} day_view_median_ms={day_ms:.2f} "
        f"queries_per_view={max(month_queries, day_queries)} naive_month_view_median_ms="
        f"{naive_ms:.1f} naive_queries={naive_queries} speedup_vs_naive={naive_ms / month_ms:.0f} "
        f"busy_intervals={BUSY_INTERVALS}"
    )


if __name__ == "__main__":
    asyncio.run(main())
