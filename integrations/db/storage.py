"""The use cases' `Storage` on SQLAlchemy Core: SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Row,
    and_,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.availability import BusyTimes
from domain.errors import SlotTaken
from domain.model import (
    Attendance,
    Booking,
    BookingDetails,
    BookingStatus,
    ChannelIdentity,
    Citizen,
    ContactDetails,
    Declaration,
    Mode,
    NewBooking,
    ThirdPerson,
)
from domain.ports import ReferenceInUse
from integrations.db.busy_times import fetch_busy_times
from integrations.db.engine import insert_for, one_statement_options, write_transaction
from integrations.db.outbox import SqlOutboxRepository
from integrations.db.personal_data import erase_or_mark, forget_leftovers
from integrations.db.tables import bookings, citizens, consent_texts

_ACTIVE = BookingStatus.ACTIVE.value
_PG_EXCLUSION_VIOLATION = "23P01"
_PG_DEADLOCK = "40P01"


def _translate_write_error(error: DBAPIError) -> Exception:
    """The database's refusal of a booking's time, as the domain says it.

    On PostgreSQL two overlapping bookings written at the same moment can each wait for the
    other's exclusion check; PostgreSQL then ends one of them as a deadlock and the other goes
    through. For the one ended, the time is taken, as if the check had refused it."""
    text = str(error.orig)
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate == _PG_EXCLUSION_VIOLATION or "booking_overlap" in text:
        return SlotTaken("overlaps another active booking")
    if sqlstate == _PG_DEADLOCK:
        return SlotTaken("lost the race to an overlapping booking written at the same moment")
    if isinstance(error, IntegrityError) and "reference" in text:
        return ReferenceInUse(text)
    return error


def booking_of(row: Row[Any]) -> Booking:
    third_person = None
    if row.third_person_name is not None or row.third_person_email is not None:
        third_person = ThirdPerson(row.third_person_name, row.third_person_email)
    return Booking(
        id=row.id,
        reference=row.reference,
        municipality_id=row.municipality_id,
        service_id=row.service_id,
        mode=Mode(row.mode),
        staff_id=row.staff_id,
        staff_chosen_by_citizen=row.staff_chosen_by_citizen,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        busy_until=row.busy_until,
        citizen_id=row.citizen_id,
        contact=ContactDetails(row.full_name, row.email, row.phone),
        subject=row.subject,
        application_number=row.application_number,
        third_person=third_person,
        consent_version=row.consent_version,
        consented_at=row.consented_at,
        status=BookingStatus(row.status),
        sequence=row.sequence,
        created_at=row.created_at,
        updated_at=row.updated_at,
        cancelled_by=row.cancelled_by,
        cancel_reason=row.cancel_reason,
        attendance=Attendance(row.attendance) if row.attendance else None,
        attendance_by=row.attendance_by,
        attendance_at=row.attendance_at,
        request_key=row.request_key,
        last_change_key=row.last_change_key,
    )


def _citizen(row: Row[Any]) -> Citizen:
    contact = None
    if row.full_name is not None:
        contact = ContactDetails(row.full_name, row.email, row.phone)
    return Citizen(
        id=row.id,
        identity=ChannelIdentity(row.channel, row.channel_user_id),
        contact=contact,
        language=row.language,
        time_zone=row.time_zone,
    )


class SqlBookingRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def busy_times(
        self,
        staff_ids: Collection[str],
        start: datetime,
        end: datetime,
        *,
        ignoring: int | None = None,
    ) -> BusyTimes:
        return await fetch_busy_times(self._connection, staff_ids, start, end, ignoring)

    async def add(self, booking: NewBooking, request_key: str | None = None) -> Booking:
        third = booking.third_person
        values = {
            "request_key": request_key,
            "reference": booking.reference,
            "municipality_id": booking.municipality_id,
            "service_id": booking.service_id,
            "mode": booking.mode.value,
            "staff_id": booking.staff_id,
            "staff_chosen_by_citizen": booking.staff_chosen_by_citizen,
            "starts_at": booking.starts_at,
            "ends_at": booking.ends_at,
            "busy_until": booking.busy_until,
            "citizen_id": booking.citizen_id,
            "full_name": booking.contact.full_name,
            "email": booking.contact.email,
            "phone": booking.contact.phone,
            "subject": booking.subject,
            "application_number": booking.application_number,
            "third_person_name": third.full_name if third else None,
            "third_person_email": third.email if third else None,
            "consent_version": booking.consent_version,
            "consented_at": booking.consented_at,
            "status": _ACTIVE,
            "sequence": 0,
            "created_at": booking.created_at,
            "updated_at": booking.created_at,
        }
        try:
            result = await self._connection.execute(
                bookings.insert().values(values).returning(*bookings.c)
            )
            row = result.one()
        except DBAPIError as error:
            raise _translate_write_error(error) from error
        return booking_of(row)

    async def get(self, booking_id: int) -> Booking | None:
        return await self._one(bookings.c.id == booking_id)

    async def get_by_reference(self, reference: str) -> Booking | None:
        return await self._one(bookings.c.reference == reference)

    async def _one(self, condition: Any) -> Booking | None:
        result = await self._connection.execute(select(bookings).where(condition))
        row = result.one_or_none()
        return booking_of(row) if row is not None else None

    async def move(
        self,
        booking: Booking,
        *,
        staff_id: str,
        staff_chosen_by_citizen: bool,
        starts_at: datetime,
        ends_at: datetime,
        busy_until: datetime,
        now: datetime,
        change_key: str | None = None,
    ) -> Booking:
        return await self._update(
            booking,
            last_change_key=change_key,
            staff_id=staff_id,
            staff_chosen_by_citizen=staff_chosen_by_citizen,
            starts_at=starts_at,
            ends_at=ends_at,
            busy_until=busy_until,
            sequence=bookings.c.sequence + 1,
            updated_at=now,
        )

    async def update_details(self, booking: Booking, details: BookingDetails) -> Booking:
        third = details.third_person
        return await self._update(
            booking,
            full_name=details.contact.full_name,
            email=details.contact.email,
            phone=details.contact.phone,
            subject=details.subject,
            application_number=details.application_number,
            third_person_name=third.full_name if third else None,
            third_person_email=third.email if third else None,
        )

    async def cancel(
        self, booking: Booking, now: datetime, by: str, reason: str | None = None
    ) -> Booking:
        return await self._update(
            booking,
            status=BookingStatus.CANCELLED.value,
            cancelled_by=by,
            cancel_reason=reason,
            sequence=bookings.c.sequence + 1,
            updated_at=now,
        )

    async def _update(self, booking: Booking, **values: Any) -> Booking:
        statement = (
            update(bookings)
            .where(bookings.c.id == booking.id)
            .values(**values)
            .returning(*bookings.c)
        )
        try:
            row = (await self._connection.execute(statement)).one()
        except DBAPIError as error:
            raise _translate_write_error(error) from error
        return booking_of(row)

    async def made_by(self, citizen_id: int, request_key: str) -> Booking | None:
        result = await self._connection.execute(
            select(bookings).where(
                bookings.c.request_key == request_key, bookings.c.citizen_id == citizen_id
            )
        )
        row = result.one_or_none()
        return booking_of(row) if row else None

    async def of_citizen(self, citizen_id: int) -> list[Booking]:
        result = await self._connection.execute(
            select(bookings)
            .where(bookings.c.citizen_id == citizen_id)
            .order_by(bookings.c.starts_at)
        )
        return [booking_of(row) for row in result]

    async def erase_personal_data(self, booking_ids: Collection[int], now: datetime) -> int:
        return await erase_or_mark(self._connection, booking_ids, now)

    async def upcoming_in(self, municipality_id: str, now: datetime) -> list[Booking]:
        return await self._upcoming(bookings.c.municipality_id == municipality_id, now)

    async def upcoming_for_citizen(self, citizen_id: int, now: datetime) -> list[Booking]:
        return await self._upcoming(bookings.c.citizen_id == citizen_id, now)

    async def _upcoming(self, whose: Any, now: datetime) -> list[Booking]:
        """Active bookings that have not ended, soonest first."""
        result = await self._connection.execute(
            select(bookings)
            .where(whose, bookings.c.status == _ACTIVE, bookings.c.ends_at > now)
            .order_by(bookings.c.starts_at)
        )
        return [booking_of(row) for row in result]


class SqlCitizenRepository:
    def __init__(self, connection: AsyncConnection, now: datetime) -> None:
        self._connection = connection
        self._now = now

    def _where(self, identity: ChannelIdentity) -> Any:
        return and_(
            citizens.c.channel == identity.channel,
            citizens.c.channel_user_id == identity.user_id,
        )

    async def get(self, identity: ChannelIdentity) -> Citizen | None:
        result = await self._connection.execute(select(citizens).where(self._where(identity)))
        row = result.one_or_none()
        return _citizen(row) if row is not None else None

    async def get_by_id(self, citizen_id: int) -> Citizen | None:
        result = await self._connection.execute(select(citizens).where(citizens.c.id == citizen_id))
        row = result.one_or_none()
        return _citizen(row) if row is not None else None

    async def get_or_create(self, identity: ChannelIdentity, *, lock: bool = False) -> Citizen:
        insert = insert_for(self._connection.dialect.name)
        await self._connection.execute(
            insert(citizens)
            .values(
                channel=identity.channel,
                channel_user_id=identity.user_id,
                created_at=self._now,
            )
            .on_conflict_do_nothing(index_elements=["channel", "channel_user_id"])
        )
        query = select(citizens).where(self._where(identity))
        if lock:
            query = query.with_for_update()
        return _citizen((await self._connection.execute(query)).one())

    async def save_preferences(
        self, identity: ChannelIdentity, language: str, time_zone: str
    ) -> None:
        citizen = await self.get_or_create(identity)
        await self._connection.execute(
            update(citizens)
            .where(citizens.c.id == citizen.id)
            .values(language=language, time_zone=time_zone)
        )

    async def forget(self, citizen: Citizen) -> None:
        await forget_leftovers(self._connection, citizen)

    async def save_contact(self, citizen: Citizen, contact: ContactDetails) -> Citizen:
        await self._connection.execute(
            update(citizens)
            .where(citizens.c.id == citizen.id)
            .values(full_name=contact.full_name, email=contact.email, phone=contact.phone)
        )
        return Citizen(citizen.id, citizen.identity, contact, citizen.language, citizen.time_zone)


class SqlDeclarationRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def keep(self, declaration: Declaration, now: datetime) -> None:
        insert = insert_for(self._connection.dialect.name)
        await self._connection.execute(
            insert(consent_texts)
            .values(
                text_hash=declaration.text_hash,
                el=declaration.el,
                en=declaration.en,
                recorded_at=now,
            )
            .on_conflict_do_nothing(index_elements=["text_hash"])
        )

    async def get(self, text_hash: str) -> Declaration | None:
        row = (
            await self._connection.execute(
                select(consent_texts.c.el, consent_texts.c.en).where(
                    consent_texts.c.text_hash == text_hash
                )
            )
        ).one_or_none()
        return Declaration(row.el, row.en) if row is not None else None


class SqlUnitOfWork:
    def __init__(self, connection: AsyncConnection, now: datetime) -> None:
        """`now`: when this unit of work's records say they were made."""
        self._connection = connection
        self.bookings = SqlBookingRepository(connection)
        self.citizens = SqlCitizenRepository(connection, now)
        self.declarations = SqlDeclarationRepository(connection)
        self.outbox = SqlOutboxRepository(connection, now)

    @property
    def connection(self) -> AsyncConnection:
        """For repositories beside these (the staff desk) that write in the same transaction."""
        return self._connection

    async def commit(self) -> None:
        await self._connection.commit()


class SqlStorage:
    def __init__(
        self, engine: AsyncEngine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.engine = engine
        self._clock = clock

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[SqlUnitOfWork]:
        async with write_transaction(self.engine) as connection:
            yield SqlUnitOfWork(connection, self._clock())

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlUnitOfWork]:
        async with self.engine.connect() as connection:
            # Reads see committed data statement by statement; no transaction to open.
            await connection.execution_options(**one_statement_options(self.engine))
            yield SqlUnitOfWork(connection, self._clock())
