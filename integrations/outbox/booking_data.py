"""The booking a notification is about, as it is now, with its citizen and municipality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.model import Booking, Citizen, Configuration, Municipality
from domain.ports import Storage
from integrations.db.outbox import OutboxRow


@dataclass(frozen=True, slots=True)
class BookingData:
    booking: Booking
    citizen: Citizen
    municipality: Municipality

    @property
    def citizen_zone(self) -> ZoneInfo:
        """Where the citizen reads the time; the office's zone if theirs is unknown."""
        try:
            return ZoneInfo(self.citizen.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return self.municipality.time_zone

    def still_worth_a_reminder(self, row: OutboxRow, now: datetime) -> bool:
        """Not moved since, not cancelled, not started (a worker that was down for a day
        does not remind anyone of yesterday)."""
        booking = self.booking
        return not self.is_stale(row) and booking.is_active and booking.starts_at > now

    def is_stale(self, row: OutboxRow) -> bool:
        """A later change of the booking has notifications of its own."""
        return self.booking.sequence > row.sequence


async def load_booking(
    storage: Storage, configuration: Configuration, row: OutboxRow
) -> BookingData | None:
    if row.booking_id is None:
        return None
    async with storage.reading() as uow:
        booking = await uow.bookings.get(row.booking_id)
        owner = booking.citizen_id if booking else None
        citizen = await uow.citizens.get_by_id(owner) if owner is not None else None
    if booking is None or citizen is None:
        return None
    municipality = configuration.municipality(booking.municipality_id)
    if municipality is None:
        return None
    return BookingData(booking, citizen, municipality)
