"""The building office as the staff desk's tests need it: the shipped configuration with
Telegram ids for two of its staff (staff-1 a manager), and bookings written straight into the
database at the times a test needs (today's that already began, tomorrow's)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from domain.model import (
    ChannelIdentity,
    ContactDetails,
    Mode,
    Municipality,
    NewBooking,
    ThirdPerson,
)
from integrations.configuration import load_configuration
from integrations.db.engine import create_engine
from integrations.db.storage import SqlStorage
from integrations.settings import DEFAULT_BOOKING_CONFIG

MANAGER = 9001
"""staff-1's Telegram id."""
CLERK = 9002
"""staff-2's."""
STAFF_GROUP = -100500
STRANGER = 7777


def staff_configuration(folder: Path) -> Path:
    """staff-1 (manager) and staff-2 with Telegram ids; staff-2 alone offers "planning"; the
    desk's own messages off (tests of the schedule set the clock themselves)."""
    text = DEFAULT_BOOKING_CONFIG.read_text(encoding="utf-8")
    text = text.replace("telegram_user_id = 0 ", f"telegram_user_id = {MANAGER} ", 1)
    text = text.replace("telegram_user_id = 0\n", f"telegram_user_id = {CLERK}\n", 1)
    text = text.replace(
        'services = ["planning", "unauthorised", "permits"]',
        'services = ["unauthorised", "permits"]',
        1,
    )
    text = text.replace('morning_list_at = "07:45"', 'morning_list_at = "off"')
    text = text.replace('unmarked_nudge_at = "15:00"', 'unmarked_nudge_at = "off"')
    path = folder / "office.toml"
    path.write_text(text, encoding="utf-8")
    return path


def office(path: Path) -> Municipality:
    return load_configuration(path).municipalities[0]


def athens_at(chania: Municipality, day: date, wall: time) -> datetime:
    return datetime.combine(day, wall, tzinfo=chania.time_zone).astimezone(UTC)


def today(chania: Municipality) -> date:
    return chania.local_date(datetime.now(UTC))


async def add_booking(
    database: str,
    chania: Municipality,
    *,
    citizen: int,
    staff_id: str,
    starts_at: datetime,
    name: str = "Μαρία Παπαδάκη",
    email: str = "maria@example.com",
    phone: str = "+306912345678",
    service_id: str = "permits",
    mode: Mode = Mode.IN_PERSON,
    reference: str = "XAN-AAAAA",
    third_person: ThirdPerson | None = None,
) -> int:
    """A booking as if made earlier through the dialog; returns its id."""
    engine = create_engine(database.replace("sqlite://", "sqlite+aiosqlite://"))
    storage = SqlStorage(engine)
    booked_at = datetime.now(UTC) - timedelta(days=3)
    async with storage.writing() as uow:
        owner = await uow.citizens.get_or_create(ChannelIdentity("telegram", str(citizen)))
        booking = await uow.bookings.add(
            NewBooking(
                reference=reference,
                municipality_id=chania.id,
                service_id=service_id,
                mode=mode,
                staff_id=staff_id,
                staff_chosen_by_citizen=False,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=20),
                busy_until=starts_at + timedelta(minutes=20),
                citizen_id=owner.id,
                contact=ContactDetails(name, email, phone),
                subject="Έλεγχος φακέλου",
                application_number="1234/2026",
                third_person=third_person,
                consent_version="test",
                consented_at=booked_at,
                created_at=booked_at,
            )
        )
        await uow.commit()
    await engine.dispose()
    return booking.id
