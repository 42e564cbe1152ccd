"""A citizen's rights over what is kept about them: to see it all (/mydata) and to have it
erased (/forgetme)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.model import (
    CANCELLED_BY_CITIZEN,
    Booking,
    BookingStatus,
    ChannelIdentity,
    Citizen,
    Declaration,
    declaration_hash,
)
from domain.notifications import Change, notifications_for
from domain.ports import Storage


@dataclass(frozen=True)
class KeptData:
    citizen: Citizen | None
    """None: nothing is kept about them."""
    bookings: tuple[Booking, ...] = ()
    declarations: dict[str, Declaration] = field(default_factory=dict)
    """The texts of the consents they gave, by hash (an old version may not be on record)."""


async def kept_about(identity: ChannelIdentity, storage: Storage) -> KeptData:
    async with storage.reading() as uow:
        citizen = await uow.citizens.get(identity)
        if citizen is None:
            return KeptData(None)
        own = tuple(await uow.bookings.of_citizen(citizen.id))
        declarations = {}
        for text_hash in {declaration_hash(b.consent_version) for b in own}:
            found = await uow.declarations.get(text_hash)
            if found is not None:
                declarations[text_hash] = found
        return KeptData(citizen, own, declarations)


@dataclass(frozen=True)
class Forgotten:
    cancelled: tuple[Booking, ...] = ()
    """Upcoming bookings cancelled; erased once the staff and the citizen are told."""
    erased: int = 0
    """Bookings erased now."""
    had_saved_details: bool = False


async def forget_citizen(identity: ChannelIdentity, storage: Storage, now: datetime) -> Forgotten:
    """Cancels the upcoming bookings (told as any cancellation), erases the bookings' personal
    fields, and deletes everything else of the citizen's."""
    async with storage.writing() as uow:
        citizen = await uow.citizens.get(identity)
        if citizen is None:
            return Forgotten()
        own = await uow.bookings.of_citizen(citizen.id)
        cancelled = []
        for booking in own:
            if booking.status is BookingStatus.ACTIVE and booking.starts_at > now:
                done = await uow.bookings.cancel(booking, now, CANCELLED_BY_CITIZEN)
                await uow.outbox.drop_reminders(done.id)
                await uow.outbox.add(notifications_for(Change.CANCELLED, done, now))
                cancelled.append(done)
        for booking in own:  # reminders would go to someone who asked to be forgotten
            await uow.outbox.drop_reminders(booking.id)
        erased = await uow.bookings.erase_personal_data([b.id for b in own], now)
        await uow.citizens.forget(citizen)
        await uow.commit()
        return Forgotten(tuple(cancelled), erased, citizen.contact is not None)
