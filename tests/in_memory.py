"""An in-memory Storage implementing domain/ports.py, for unit tests of the use cases and the
dialog's steps: no database, no event loop waits, the same rules the database enforces (one
staff member's active bookings never overlap, references and request keys are unique, a
transaction that is not committed leaves nothing). Writers run one at a time, as on SQLite."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from dialogs.ports import Loaded, Preferences, StoredConversation
from domain.availability import Busy, BusyTimes, epoch
from domain.errors import SlotTaken
from domain.model import (
    Booking,
    BookingDetails,
    BookingStatus,
    ChannelIdentity,
    Citizen,
    ContactDetails,
    Declaration,
    NewBooking,
)
from domain.notifications import REMINDERS, Notification
from domain.ports import ReferenceInUse

ERASED = ContactDetails("", "", "")


@dataclass
class Tables:
    bookings: dict[int, Booking] = field(default_factory=dict)
    citizens: dict[int, Citizen] = field(default_factory=dict)
    declarations: dict[str, Declaration] = field(default_factory=dict)
    outbox: dict[str, Notification] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    """Keys of reminders dropped because their booking moved or was cancelled."""
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class MemoryBookings:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _active(self) -> list[Booking]:
        return [b for b in self._t.bookings.values() if b.status is BookingStatus.ACTIVE]

    async def busy_times(
        self,
        staff_ids: Collection[str],
        start: datetime,
        end: datetime,
        *,
        ignoring: int | None = None,
    ) -> BusyTimes:
        intervals: dict[str, list[tuple[int, int]]] = {}
        for booking in self._active():
            if booking.id == ignoring or booking.staff_id not in staff_ids:
                continue
            if booking.starts_at < end and start < booking.busy_until:
                span = (epoch(booking.starts_at), epoch(booking.busy_until))
                intervals.setdefault(booking.staff_id, []).append(span)
        return {staff: Busy.from_intervals(spans) for staff, spans in intervals.items()}

    def _check_free(self, booking: NewBooking, ignoring: int | None = None) -> None:
        for other in self._active():
            if (
                other.id != ignoring
                and other.staff_id == booking.staff_id
                and other.starts_at < booking.busy_until
                and booking.starts_at < other.busy_until
            ):
                raise SlotTaken()

    async def add(self, booking: NewBooking, request_key: str | None = None) -> Booking:
        if any(b.reference == booking.reference for b in self._t.bookings.values()):
            raise ReferenceInUse(booking.reference)
        self._check_free(booking)
        stored = Booking(
            **{f: getattr(booking, f) for f in NewBooking.__dataclass_fields__},
            id=self._t.new_id(),
            status=BookingStatus.ACTIVE,
            sequence=0,
            updated_at=booking.created_at,
            request_key=request_key,
        )
        if request_key and any(b.request_key == request_key for b in self._t.bookings.values()):
            raise ValueError("request_key in use")  # as the database's unique index refuses it
        self._t.bookings[stored.id] = stored
        return stored

    async def made_by(self, citizen_id: int, request_key: str) -> Booking | None:
        return next(
            (
                b
                for b in self._t.bookings.values()
                if b.citizen_id == citizen_id and b.request_key == request_key
            ),
            None,
        )

    async def get(self, booking_id: int) -> Booking | None:
        return self._t.bookings.get(booking_id)

    async def get_by_reference(self, reference: str) -> Booking | None:
        return next((b for b in self._t.bookings.values() if b.reference == reference), None)

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
        moved = replace(
            self._t.bookings[booking.id],
            staff_id=staff_id,
            staff_chosen_by_citizen=staff_chosen_by_citizen,
            starts_at=starts_at,
            ends_at=ends_at,
            busy_until=busy_until,
            sequence=self._t.bookings[booking.id].sequence + 1,
            updated_at=now,
            last_change_key=change_key,
        )
        self._check_free(moved, ignoring=booking.id)
        self._t.bookings[booking.id] = moved
        return moved

    async def update_details(self, booking: Booking, details: BookingDetails) -> Booking:
        updated = replace(
            self._t.bookings[booking.id],
            contact=details.contact,
            subject=details.subject,
            application_number=details.application_number,
            third_person=details.third_person,
        )
        self._t.bookings[booking.id] = updated
        return updated

    async def cancel(
        self, booking: Booking, now: datetime, by: str, reason: str | None = None
    ) -> Booking:
        current = self._t.bookings[booking.id]
        cancelled = replace(
            current,
            status=BookingStatus.CANCELLED,
            cancelled_by=by,
            cancel_reason=reason,
            sequence=current.sequence + 1,
            updated_at=now,
        )
        self._t.bookings[booking.id] = cancelled
        return cancelled

    async def of_citizen(self, citizen_id: int) -> list[Booking]:
        mine = [b for b in self._t.bookings.values() if b.citizen_id == citizen_id]
        return sorted(mine, key=lambda b: b.starts_at)

    async def erase_personal_data(self, booking_ids: Collection[int], now: datetime) -> int:
        for booking_id in booking_ids:
            booking = self._t.bookings[booking_id]
            self._t.bookings[booking_id] = replace(
                booking, contact=ERASED, subject="", citizen_id=None, third_person=None
            )
        return len(booking_ids)

    async def upcoming_for_citizen(self, citizen_id: int, now: datetime) -> list[Booking]:
        return [b for b in await self.of_citizen(citizen_id) if self._upcoming(b, now)]

    async def upcoming_in(self, municipality_id: str, now: datetime) -> list[Booking]:
        found = [
            b
            for b in self._t.bookings.values()
            if b.municipality_id == municipality_id and self._upcoming(b, now)
        ]
        return sorted(found, key=lambda b: b.starts_at)

    @staticmethod
    def _upcoming(booking: Booking, now: datetime) -> bool:
        return booking.status is BookingStatus.ACTIVE and booking.ends_at > now


class MemoryCitizens:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def get(self, identity: ChannelIdentity) -> Citizen | None:
        return next((c for c in self._t.citizens.values() if c.identity == identity), None)

    async def get_by_id(self, citizen_id: int) -> Citizen | None:
        return self._t.citizens.get(citizen_id)

    async def get_or_create(self, identity: ChannelIdentity, *, lock: bool = False) -> Citizen:
        found = await self.get(identity)
        if found is not None:
            return found
        citizen = Citizen(id=self._t.new_id(), identity=identity)
        self._t.citizens[citizen.id] = citizen
        return citizen

    async def save_contact(self, citizen: Citizen, contact: ContactDetails) -> Citizen:
        saved = replace(self._t.citizens[citizen.id], contact=contact)
        self._t.citizens[citizen.id] = saved
        return saved

    async def forget(self, citizen: Citizen) -> None:
        if any(b.citizen_id == citizen.id for b in self._t.bookings.values()):
            self._t.citizens[citizen.id] = replace(self._t.citizens[citizen.id], contact=None)
        else:
            self._t.citizens.pop(citizen.id, None)

    async def save_preferences(
        self, identity: ChannelIdentity, language: str, time_zone: str
    ) -> None:
        citizen = await self.get_or_create(identity)
        self._t.citizens[citizen.id] = replace(citizen, language=language, time_zone=time_zone)


class MemoryOutbox:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, notifications: Sequence[Notification]) -> None:
        for notification in notifications:
            self._t.outbox.setdefault(notification.key, notification)

    async def drop_reminders(self, booking_id: int) -> None:
        self._t.dropped |= {
            key
            for key, n in self._t.outbox.items()
            if n.booking_id == booking_id and n.kind in REMINDERS
        }


class MemoryDeclarations:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def keep(self, declaration: Declaration, now: datetime) -> None:
        self._t.declarations.setdefault(declaration.text_hash, declaration)

    async def get(self, text_hash: str) -> Declaration | None:
        return self._t.declarations.get(text_hash)


class MemoryUnitOfWork:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.bookings = MemoryBookings(tables)
        self.citizens = MemoryCitizens(tables)
        self.outbox = MemoryOutbox(tables)
        self.declarations = MemoryDeclarations(tables)
        self.committed = False

    async def commit(self) -> None:
        self.committed = True


class MemoryStorage:
    def __init__(self) -> None:
        self.tables = Tables()
        self._writer = asyncio.Lock()

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[MemoryUnitOfWork]:
        """Works on a copy; the copy becomes the tables only when committed."""
        async with self._writer:
            uow = MemoryUnitOfWork(copy.deepcopy(self.tables))
            yield uow
            if uow.committed:
                self.tables = uow.tables

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[MemoryUnitOfWork]:
        yield MemoryUnitOfWork(copy.deepcopy(self.tables))

    def pending_notifications(self) -> list[Notification]:
        return [n for key, n in self.tables.outbox.items() if key not in self.tables.dropped]


class MemoryConversations:
    """The conversations beside a MemoryStorage, whose citizens hold the preferences."""

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self.stored: dict[ChannelIdentity, StoredConversation] = {}

    async def load(self, identity: ChannelIdentity) -> Loaded:
        citizen = next(
            (c for c in self._storage.tables.citizens.values() if c.identity == identity), None
        )
        home = Preferences(citizen.language, citizen.time_zone) if citizen else None
        return Loaded(self.stored.get(identity), home)

    async def save(self, identity: ChannelIdentity, data: str, version: int | None) -> bool:
        current = self.stored.get(identity)
        if (current.version if current else None) != version:
            return False
        self.stored[identity] = StoredConversation(data, (version or 0) + 1)
        return True
