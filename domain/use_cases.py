"""Book, reschedule, cancel, list, and the two availability views, over a `Storage`.

Each write happens in one transaction that rolls back unless everything succeeded; the database
has the last word on overlaps, so a lost race surfaces as `SlotTaken`.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime

from domain.availability import (
    BusyTimes,
    Slot,
    SlotQuery,
    available_days,
    available_times,
    bookable_days,
    bookable_range,
    choose_staff,
    local_day_bounds,
)
from domain.errors import (
    BookingNotFound,
    OverlapsOwnBooking,
    ServiceNotOffered,
    SlotNotOffered,
    SlotTaken,
    TooLateToChange,
    TooManyActiveBookings,
)
from domain.model import (
    CANCELLED_BY_CITIZEN,
    Booking,
    BookingDetails,
    BookingStatus,
    ChannelIdentity,
    ContactDetails,
    Declaration,
    Mode,
    Municipality,
    NewBooking,
    ThirdPerson,
)
from domain.notifications import Change, notifications_for
from domain.ports import ReferenceInUse, Storage, UnitOfWork
from domain.reference import new_reference, normalize_reference

_REFERENCE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class BookingRequest:
    citizen: ChannelIdentity
    service_id: str
    mode: Mode
    starts_at: datetime
    staff_id: str | None
    """None: anyone."""
    contact: ContactDetails
    subject: str
    application_number: str | None = None
    third_person: ThirdPerson | None = None
    consent_version: str = ""
    declaration: Declaration | None = None
    """The texts the consent version names: kept once, so they can be shown later."""
    request_key: str | None = None
    """The confirmed summary's key: booking again with it returns the booking it made."""


def _check_offered(municipality: Municipality, query: SlotQuery) -> None:
    service = municipality.service(query.service_id)
    if service is None or query.mode not in service.modes:
        raise ServiceNotOffered(query.service_id)
    if query.staff_id is not None:
        member = municipality.staff_member(query.staff_id)
        if member is None or not member.offers(service.id, query.mode):
            raise ServiceNotOffered(query.staff_id)


def _staff_ids(municipality: Municipality, query: SlotQuery) -> list[str]:
    if query.staff_id is not None:
        return [query.staff_id]
    return [m.id for m in municipality.staff_offering(query.service_id, query.mode)]


async def find_available_days(
    storage: Storage,
    municipality: Municipality,
    query: SlotQuery,
    first_day: date,
    last_day: date,
    now: datetime,
) -> list[date]:
    """The month view: the days in [first_day, last_day] with a free time. One query."""
    _check_offered(municipality, query)
    low, high = bookable_days(municipality, now)
    first_day, last_day = max(first_day, low), min(last_day, high)
    if first_day > last_day:
        return []
    start, _ = local_day_bounds(municipality, first_day)
    _, end = local_day_bounds(municipality, last_day)
    async with storage.reading() as uow:
        busy = await uow.bookings.busy_times(_staff_ids(municipality, query), start, end)
    return available_days(municipality, query, busy, first_day, last_day, now)


async def find_available_times(
    storage: Storage, municipality: Municipality, query: SlotQuery, day: date, now: datetime
) -> list[Slot]:
    """The day view: the day's free times, each with the staff who could take it. One query."""
    _check_offered(municipality, query)
    async with storage.reading() as uow:
        busy = await _busy_on_day(uow, municipality, query, day)
    return available_times(municipality, query, busy, day, now)


async def _busy_on_day(
    uow: UnitOfWork,
    municipality: Municipality,
    query: SlotQuery,
    day: date,
    ignoring: int | None = None,
) -> BusyTimes:
    start, end = local_day_bounds(municipality, day)
    return await uow.bookings.busy_times(
        _staff_ids(municipality, query), start, end, ignoring=ignoring
    )


async def _assign_staff(
    uow: UnitOfWork,
    municipality: Municipality,
    query: SlotQuery,
    starts_at: datetime,
    now: datetime,
    ignoring: int | None = None,
) -> Slot:
    """The slot at `starts_at` with the staff member who gets it as its only entry."""
    day = municipality.local_date(starts_at)
    busy = await _busy_on_day(uow, municipality, query, day, ignoring)
    slot = _slot_at(available_times(municipality, query, busy, day, now), starts_at)
    if slot is None:
        offered_when_empty = available_times(municipality, query, {}, day, now)
        if _slot_at(offered_when_empty, starts_at) is None:
            raise SlotNotOffered(starts_at.isoformat())
        raise SlotTaken(starts_at.isoformat())
    chosen = choose_staff(municipality, slot, busy)
    return Slot(slot.start, slot.end, (chosen,))


def _refuse_overlap_with_own(bookings: list[Booking], slot: Slot) -> None:
    """One person cannot be at two appointments at once, whoever the staff members are."""
    if any(b.starts_at < slot.end and b.ends_at > slot.start for b in bookings):
        raise OverlapsOwnBooking(slot.start.isoformat())


def _slot_at(slots: list[Slot], starts_at: datetime) -> Slot | None:
    return next((s for s in slots if s.start == starts_at), None)


async def book(
    request: BookingRequest, storage: Storage, municipality: Municipality, now: datetime
) -> Booking:
    """Books the time for the citizen. With "anyone", a lost race for one staff member is
    retried with the others before the citizen is told the time was taken."""
    query = SlotQuery(request.service_id, request.mode, request.staff_id)
    _check_offered(municipality, query)
    retries = 0 if request.staff_id else len(_staff_ids(municipality, query)) - 1
    for _ in range(retries):
        with suppress(SlotTaken):
            return await _book_once(request, query, storage, municipality, now)
    return await _book_once(request, query, storage, municipality, now)


async def _book_once(
    request: BookingRequest,
    query: SlotQuery,
    storage: Storage,
    municipality: Municipality,
    now: datetime,
) -> Booking:
    rules = municipality.rules
    for _ in range(_REFERENCE_ATTEMPTS):
        try:
            async with storage.writing() as uow:
                citizen = await uow.citizens.get_or_create(request.citizen, lock=True)
                if request.request_key is not None:  # a replay: the citizen's row is locked
                    made = await uow.bookings.made_by(citizen.id, request.request_key)
                    if made is not None:
                        return made
                active = await uow.bookings.upcoming_for_citizen(citizen.id, now)
                if len(active) >= rules.max_active_bookings_per_citizen:
                    raise TooManyActiveBookings(rules.max_active_bookings_per_citizen)
                slot = await _assign_staff(uow, municipality, query, request.starts_at, now)
                _refuse_overlap_with_own(active, slot)
                booking = await uow.bookings.add(
                    NewBooking(
                        reference=new_reference(municipality.reference_prefix),
                        municipality_id=municipality.id,
                        service_id=request.service_id,
                        mode=request.mode,
                        staff_id=slot.staff_ids[0],
                        staff_chosen_by_citizen=request.staff_id is not None,
                        starts_at=slot.start,
                        ends_at=slot.end,
                        busy_until=slot.end + rules.buffer,
                        citizen_id=citizen.id,
                        contact=request.contact,
                        subject=request.subject,
                        application_number=request.application_number,
                        third_person=request.third_person,
                        consent_version=request.consent_version,
                        consented_at=now,
                        created_at=now,
                    ),
                    request_key=request.request_key,
                )
                await uow.citizens.save_contact(citizen, request.contact)
                if request.declaration is not None:
                    await uow.declarations.keep(request.declaration, now)
                await uow.outbox.add(
                    notifications_for(Change.BOOKED, booking, now, rules.reminders_before)
                )
                await uow.commit()
                return booking
        except ReferenceInUse:
            continue
    raise ReferenceInUse("no free reference after several attempts")


async def _citizens_booking(uow: UnitOfWork, citizen: ChannelIdentity, reference: str) -> Booking:
    booking = await uow.bookings.get_by_reference(normalize_reference(reference))
    owner = await uow.citizens.get(citizen)
    if booking is None or owner is None or booking.citizen_id != owner.id:
        raise BookingNotFound(reference)
    return booking


async def _citizens_active_booking(
    uow: UnitOfWork, citizen: ChannelIdentity, reference: str
) -> Booking:
    booking = await _citizens_booking(uow, citizen, reference)
    if not booking.is_active:
        raise BookingNotFound(reference)
    return booking


async def reschedule(
    citizen: ChannelIdentity,
    reference: str,
    starts_at: datetime,
    staff_id: str | None,
    storage: Storage,
    municipality: Municipality,
    now: datetime,
    details: BookingDetails | None = None,
    change_key: str | None = None,
) -> Booking:
    """Moves a booking, and updates its details when given. The old time stays the citizen's
    until the new one is secured: both happen in one transaction, so a refused move leaves the
    booking as it was. A replay with the `change_key` of the move that was made returns the
    booking as it is."""
    async with storage.writing() as uow:
        booking = await _citizens_active_booking(uow, citizen, reference)
        if change_key is not None and booking.last_change_key == change_key:
            return booking
        earliest, _ = bookable_range(municipality, now)
        if booking.starts_at < earliest:
            raise TooLateToChange(reference)
        query = SlotQuery(booking.service_id, booking.mode, staff_id)
        _check_offered(municipality, query)
        slot = await _assign_staff(uow, municipality, query, starts_at, now, ignoring=booking.id)
        owner = booking.citizen_id
        others = await uow.bookings.upcoming_for_citizen(owner, now) if owner is not None else []
        _refuse_overlap_with_own([b for b in others if b.id != booking.id], slot)
        moved = await uow.bookings.move(
            booking,
            staff_id=slot.staff_ids[0],
            staff_chosen_by_citizen=staff_id is not None,
            starts_at=slot.start,
            ends_at=slot.end,
            busy_until=slot.end + municipality.rules.buffer,
            now=now,
            change_key=change_key,
        )
        if details is not None:
            moved = await uow.bookings.update_details(moved, details)
            citizen_row = await uow.citizens.get_or_create(citizen)
            await uow.citizens.save_contact(citizen_row, details.contact)
        await uow.outbox.drop_reminders(moved.id)
        await uow.outbox.add(
            notifications_for(
                Change.RESCHEDULED,
                moved,
                now,
                municipality.rules.reminders_before,
                moved_from=booking.starts_at,
            )
        )
        await uow.commit()
        return moved


async def cancel(
    citizen: ChannelIdentity, reference: str, storage: Storage, now: datetime
) -> Booking:
    """Cancels a booking that has not started yet. Late cancellations are accepted: the office
    would rather know than wait for someone who will not come."""
    async with storage.writing() as uow:
        booking = await _citizens_booking(uow, citizen, reference)
        if booking.status is BookingStatus.CANCELLED:
            return booking  # a replay, or cancelled meanwhile: nothing more to do
        if booking.starts_at <= now:
            raise TooLateToChange(reference)
        cancelled = await uow.bookings.cancel(booking, now, CANCELLED_BY_CITIZEN)
        await uow.outbox.drop_reminders(cancelled.id)
        await uow.outbox.add(notifications_for(Change.CANCELLED, cancelled, now))
        await uow.commit()
        return cancelled


async def upcoming_bookings(
    citizen: ChannelIdentity, storage: Storage, now: datetime
) -> list[Booking]:
    async with storage.reading() as uow:
        owner = await uow.citizens.get(citizen)
        if owner is None:
            return []
        return await uow.bookings.upcoming_for_citizen(owner.id, now)
