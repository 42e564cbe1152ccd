"""What the staff desk reads and writes: the day's appointments, attendance, cancelling for a
citizen, time off, the month's bookings, the audit, and which scheduled messages have gone.

Every action is written with its audit row in the same transaction: no action without a
record, no record of an action that did not happen.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import BookingNotFound, TooLateToChange
from domain.model import Attendance, Booking, BookingStatus
from domain.notifications import Change, notifications_for
from integrations.db.engine import write_transaction
from integrations.db.storage import SqlStorage, booking_of
from integrations.db.tables import bookings, staff_actions, staff_desk_sends, staff_time_off


@dataclass(frozen=True, slots=True)
class TimeOff:
    id: int
    staff_id: str
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class StaffAction:
    staff_id: str
    action: str
    booking_id: int | None
    reference: str | None
    detail: str
    at: datetime


class SqlStaffDesk:
    def __init__(self, storage: SqlStorage) -> None:
        self._storage = storage
        self._engine = storage.engine

    async def appointments(
        self, staff_ids: Collection[str], start: datetime, end: datetime
    ) -> list[Booking]:
        """Active bookings of these staff starting in [start, end), by staff then time."""
        async with self._storage.reading() as uow:
            result = await uow.connection.execute(
                select(bookings)
                .where(
                    bookings.c.status == BookingStatus.ACTIVE.value,
                    bookings.c.staff_id.in_(list(staff_ids)),
                    bookings.c.starts_at >= start,
                    bookings.c.starts_at < end,
                )
                .order_by(bookings.c.staff_id, bookings.c.starts_at)
            )
            return [booking_of(row) for row in result]

    async def booking(self, booking_id: int) -> Booking | None:
        async with self._storage.reading() as uow:
            return await uow.bookings.get(booking_id)

    async def record_attendance(
        self, booking_id: int, attendance: Attendance, by: str, now: datetime
    ) -> Booking:
        """Raises BookingNotFound for a booking that is not active, TooLateToChange (read:
        too early) for one that has not started."""
        async with self._storage.writing() as uow:
            booking = await uow.bookings.get(booking_id)
            if booking is None or not booking.is_active:
                raise BookingNotFound(str(booking_id))
            if booking.starts_at > now:
                raise TooLateToChange(booking.reference)
            await uow.connection.execute(
                update(bookings)
                .where(bookings.c.id == booking_id)
                .values(attendance=attendance.value, attendance_by=by, attendance_at=now)
            )
            await _audit(uow.connection, by, "attendance", booking_id, attendance.value, now)
            await uow.commit()
            return booking

    async def cancel_for_citizen(
        self, booking_id: int, by: str, reason: str, now: datetime
    ) -> Booking:
        """The office calls the appointment off: the citizen, the meeting, the reminders and
        the calendars follow through the outbox, as for the citizen's own cancellation."""
        async with self._storage.writing() as uow:
            booking = await uow.bookings.get(booking_id)
            if booking is None or not booking.is_active:
                raise BookingNotFound(str(booking_id))
            if booking.starts_at <= now:
                raise TooLateToChange(booking.reference)
            cancelled = await uow.bookings.cancel(booking, now, by, reason[:300])
            await uow.outbox.drop_reminders(cancelled.id)
            await uow.outbox.add(notifications_for(Change.CANCELLED, cancelled, now))
            await _audit(uow.connection, by, "cancel", booking_id, reason, now)
            await uow.commit()
            return cancelled

    async def add_time_off(
        self, staff_id: str, start: datetime, end: datetime, reason: str, by: str, now: datetime
    ) -> int:
        async with self._storage.writing() as uow:
            result = await uow.connection.execute(
                insert(staff_time_off)
                .values(
                    staff_id=staff_id,
                    starts_at=start,
                    ends_at=end,
                    reason=reason[:300],
                    created_by=by,
                    created_at=now,
                )
                .returning(staff_time_off.c.id)
            )
            time_off_id = int(result.scalar_one())
            detail = f"{staff_id} {start.isoformat()}..{end.isoformat()}"
            await _audit(uow.connection, by, "time_off", None, detail, now)
            await uow.commit()
            return time_off_id

    async def time_off(self, staff_ids: Collection[str], after: datetime) -> list[TimeOff]:
        async with self._storage.reading() as uow:
            result = await uow.connection.execute(
                select(staff_time_off)
                .where(
                    staff_time_off.c.staff_id.in_(list(staff_ids)),
                    staff_time_off.c.ends_at > after,
                )
                .order_by(staff_time_off.c.starts_at)
            )
            return [TimeOff(r.id, r.staff_id, r.starts_at, r.ends_at, r.reason) for r in result]

    async def remove_time_off(self, time_off_id: int, by: str, now: datetime) -> TimeOff | None:
        async with self._storage.writing() as uow:
            connection = uow.connection
            row = (
                await connection.execute(
                    select(staff_time_off).where(staff_time_off.c.id == time_off_id)
                )
            ).one_or_none()
            if row is None:
                return None
            await connection.execute(delete(staff_time_off).where(staff_time_off.c.id == row.id))
            detail = f"{row.staff_id} {row.starts_at.isoformat()}..{row.ends_at.isoformat()}"
            await _audit(connection, by, "time_off_removed", None, detail, now)
            await uow.commit()
            return TimeOff(row.id, row.staff_id, row.starts_at, row.ends_at, row.reason)

    async def bookings_between(
        self, municipality_id: str, start: datetime, end: datetime
    ) -> list[Booking]:
        """Every booking, active or cancelled, whose appointment falls in [start, end)."""
        async with self._storage.reading() as uow:
            result = await uow.connection.execute(
                select(bookings)
                .where(
                    bookings.c.municipality_id == municipality_id,
                    bookings.c.starts_at >= start,
                    bookings.c.starts_at < end,
                )
                .order_by(bookings.c.starts_at)
            )
            return [booking_of(row) for row in result]

    async def record(self, by: str, action: str, detail: str, now: datetime) -> None:
        """An action that changes nothing but is audited (an export)."""
        async with write_transaction(self._engine) as connection:
            await _audit(connection, by, action, None, detail, now)
            await connection.commit()

    async def last_actions(self, limit: int) -> list[StaffAction]:
        async with self._storage.reading() as uow:
            result = await uow.connection.execute(
                select(staff_actions, bookings.c.reference)
                .select_from(
                    staff_actions.outerjoin(bookings, bookings.c.id == staff_actions.c.booking_id)
                )
                .order_by(staff_actions.c.id.desc())
                .limit(limit)
            )
            return [
                StaffAction(r.staff_id, r.action, r.booking_id, r.reference, r.detail, r.at)
                for r in result
            ]

    async def claim_send(self, kind: str, day: date, staff_id: str, now: datetime) -> bool:
        """True once per (kind, day, staff member), whichever worker asks first."""
        try:
            async with write_transaction(self._engine) as connection:
                await connection.execute(
                    insert(staff_desk_sends).values(
                        kind=kind, day=day, staff_id=staff_id, sent_at=now
                    )
                )
                await connection.commit()
        except IntegrityError:
            return False
        return True


async def _audit(
    connection: AsyncConnection,
    by: str,
    action: str,
    booking_id: int | None,
    detail: str,
    now: datetime,
) -> None:
    await connection.execute(
        insert(staff_actions).values(
            staff_id=by, action=action, booking_id=booking_id, detail=detail[:300], at=now
        )
    )
