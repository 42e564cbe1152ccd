"""What each staff member's calendar has been told of a booking, so that the next change knows
what to update, and a move to another staff member what to take out of whose calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.engine import insert_for, write_transaction
from integrations.db.tables import staff_calendar


class Route(StrEnum):
    OUTLOOK = "outlook"
    """An event in their Outlook calendar, through Graph."""
    EMAIL = "email"
    """An e-mail with a calendar file."""


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    staff_id: str
    route: Route
    event_id: str | None
    sequence: int
    """The booking's sequence the entry shows."""
    cancelled: bool


class SqlStaffCalendar:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def entries(self, booking_id: int) -> dict[str, CalendarEntry]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(staff_calendar).where(staff_calendar.c.booking_id == booking_id)
            )
            return {
                row.staff_id: CalendarEntry(
                    row.staff_id, Route(row.route), row.event_id, row.sequence, row.cancelled
                )
                for row in rows
            }

    async def save(self, booking_id: int, entry: CalendarEntry, now: datetime) -> None:
        values = {
            "route": entry.route.value,
            "event_id": entry.event_id,
            "sequence": entry.sequence,
            "cancelled": entry.cancelled,
            "updated_at": now,
        }
        async with write_transaction(self._engine) as connection:
            insert = insert_for(connection.dialect.name)
            statement = insert(staff_calendar).values(
                booking_id=booking_id, staff_id=entry.staff_id, **values
            )
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["booking_id", "staff_id"], set_=values
                )
            )
            await connection.commit()
