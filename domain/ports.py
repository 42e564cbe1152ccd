"""What the use cases need from storage. `integrations.db` provides the real implementation;
unit tests provide an in-memory one."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from domain.availability import BusyTimes
from domain.model import (
    Booking,
    BookingDetails,
    ChannelIdentity,
    Citizen,
    ContactDetails,
    Declaration,
    NewBooking,
)
from domain.notifications import Notification


class ReferenceInUse(Exception):
    """The generated reference already exists; the use case draws another."""


class BookingRepository(Protocol):
    async def busy_times(
        self,
        staff_ids: Collection[str],
        start: datetime,
        end: datetime,
        *,
        ignoring: int | None = None,
    ) -> BusyTimes:
        """Active bookings of these staff overlapping [start, end), in one query; `ignoring`
        leaves out one booking (the one being moved)."""
        ...

    async def add(self, booking: NewBooking, request_key: str | None = None) -> Booking:
        """Raises SlotTaken when the staff member's time overlaps another active booking,
        ReferenceInUse when the reference exists. `request_key` is stored unique."""
        ...

    async def made_by(self, citizen_id: int, request_key: str) -> Booking | None:
        """The citizen's booking that the request with this key made, if any."""
        ...

    async def get(self, booking_id: int) -> Booking | None: ...

    async def get_by_reference(self, reference: str) -> Booking | None: ...

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
        """Raises SlotTaken like `add`; `change_key` is kept as the last change's."""
        ...

    async def update_details(self, booking: Booking, details: BookingDetails) -> Booking: ...

    async def cancel(
        self, booking: Booking, now: datetime, by: str, reason: str | None = None
    ) -> Booking:
        """`by`: CANCELLED_BY_CITIZEN or the staff member's id; `reason`: the office's."""
        ...

    async def of_citizen(self, citizen_id: int) -> list[Booking]:
        """All the citizen's bookings, past and upcoming, cancelled too, soonest first."""
        ...

    async def erase_personal_data(self, booking_ids: Collection[int], now: datetime) -> int:
        """Erases the bookings' personal fields, keeping what the figures need; a booking with
        a notification still to send is erased once it has gone. How many were erased now."""
        ...

    async def upcoming_for_citizen(self, citizen_id: int, now: datetime) -> list[Booking]:
        """Active bookings that have not ended, soonest first."""
        ...

    async def upcoming_in(self, municipality_id: str, now: datetime) -> list[Booking]:
        """The municipality's active bookings that have not ended, soonest first."""
        ...


class CitizenRepository(Protocol):
    async def get(self, identity: ChannelIdentity) -> Citizen | None: ...

    async def get_by_id(self, citizen_id: int) -> Citizen | None: ...

    async def get_or_create(self, identity: ChannelIdentity, *, lock: bool = False) -> Citizen:
        """`lock` holds the citizen's row until the transaction ends, so two bookings by one
        citizen at the same moment are counted one after the other."""
        ...

    async def save_contact(self, citizen: Citizen, contact: ContactDetails) -> Citizen: ...

    async def forget(self, citizen: Citizen) -> None:
        """Deletes the saved details, the conversation, the manage links and the channel's
        subscription; the record itself once no booking refers to it."""
        ...

    async def save_preferences(
        self, identity: ChannelIdentity, language: str, time_zone: str
    ) -> None:
        """The one home of the citizen's language and time zone, which the dialog, the
        e-mails, the reminders and the staff desk all read."""
        ...


class OutboxRepository(Protocol):
    async def add(self, notifications: Sequence[Notification]) -> None:
        """Written with the change that caused them; a key already present is kept as it is."""
        ...

    async def drop_reminders(self, booking_id: int) -> None:
        """Pending reminders of a booking that moved or was cancelled: they would be wrong."""
        ...


class DeclarationRepository(Protocol):
    async def keep(self, declaration: Declaration, now: datetime) -> None:
        """Stores the texts once, under their hash; already there: nothing changes."""
        ...

    async def get(self, text_hash: str) -> Declaration | None: ...


class UnitOfWork(Protocol):
    @property
    def bookings(self) -> BookingRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def citizens(self) -> CitizenRepository: ...

    @property
    def declarations(self) -> DeclarationRepository: ...

    async def commit(self) -> None: ...


class Storage(Protocol):
    def writing(self) -> AbstractAsyncContextManager[UnitOfWork, bool | None]:
        """A transaction that will write; it rolls back unless committed. Writers that could
        conflict run one after another (SQLite) or are checked by constraints (PostgreSQL)."""
        ...

    def reading(self) -> AbstractAsyncContextManager[UnitOfWork, bool | None]: ...
