"""Booking, rescheduling and cancelling on SQLite and on PostgreSQL, races included."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from domain.availability import SlotQuery
from domain.errors import (
    BookingNotFound,
    OverlapsOwnBooking,
    SlotNotOffered,
    SlotTaken,
    TooLateToChange,
    TooManyActiveBookings,
)
from domain.model import Booking, ChannelIdentity, ContactDetails, Mode, NewBooking, ThirdPerson
from domain.use_cases import (
    BookingRequest,
    book,
    cancel,
    find_available_times,
    reschedule,
    upcoming_bookings,
)
from integrations.db.storage import SqlStorage
from integrations.db.tables import bookings, outbox
from tests.factories import athens, municipality, staff, wall_times

THURSDAY = date(2026, 12, 3)
NOW = athens(date(2026, 12, 1), "12:00")
CHANIA = municipality(staff("anna"), staff("babis"), staff("chrysa"))
CONTACT = ContactDetails("Μαρία Παπαδάκη", "maria@example.com", "+306912345678")


def citizen(number: int = 1) -> ChannelIdentity:
    return ChannelIdentity("telegram", str(1000 + number))


def request(
    who: ChannelIdentity, clock: str, staff_id: str | None = "anna", day: date = THURSDAY
) -> BookingRequest:
    return BookingRequest(
        citizen=who,
        service_id="permits",
        mode=Mode.VIDEO_CALL,
        starts_at=athens(day, clock),
        staff_id=staff_id,
        contact=CONTACT,
        subject="Άδεια δόμησης για την οικία μου",
        application_number="12345/2026",
        third_person=ThirdPerson("Νίκος Μηχανικός", "nikos@example.com"),
        consent_version="sha256:abc",
    )


async def active_bookings_at(storage: SqlStorage, clock: str) -> int:
    async with storage.engine.connect() as connection:
        return (
            await connection.execute(
                select(func.count())
                .select_from(bookings)
                .where(
                    bookings.c.status == "active", bookings.c.starts_at == athens(THURSDAY, clock)
                )
            )
        ).scalar_one()


async def test_a_booking_is_stored_with_every_detail(storage: SqlStorage):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    assert booking.reference.startswith("XAN-")
    assert booking.staff_id == "anna"
    assert booking.starts_at == athens(THURSDAY, "10:00")
    assert booking.ends_at - booking.starts_at == timedelta(minutes=20)
    assert booking.contact == CONTACT
    assert booking.third_person == ThirdPerson("Νίκος Μηχανικός", "nikos@example.com")
    assert booking.subject == "Άδεια δόμησης για την οικία μου"
    assert booking.consented_at == NOW

    listed = await upcoming_bookings(citizen(), storage, NOW)
    assert listed == [booking]


async def test_fifty_citizens_racing_for_one_time_make_exactly_one_booking(storage: SqlStorage):
    attempts = [book(request(citizen(n), "10:00"), storage, CHANIA, NOW) for n in range(50)]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    made = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, SlotTaken)]
    assert len(made) == 1
    assert len(refused) == 49
    assert await active_bookings_at(storage, "10:00") == 1


async def test_racing_for_anyone_fills_each_staff_member_once(storage: SqlStorage):
    attempts = [book(request(citizen(n), "10:00", None), storage, CHANIA, NOW) for n in range(20)]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    made = [r for r in results if isinstance(r, Booking)]
    assert sorted(b.staff_id for b in made) == ["anna", "babis", "chrysa"]
    assert all(isinstance(r, SlotTaken) for r in results if not isinstance(r, Booking))
    assert await active_bookings_at(storage, "10:00") == 3


async def test_the_database_refuses_an_overlap_even_without_the_check(storage: SqlStorage):
    first = await book(request(citizen(1), "10:00"), storage, CHANIA, NOW)
    overlapping = NewBooking(
        reference="XAN-ZZZZZ",
        municipality_id="chania",
        service_id="permits",
        mode=Mode.IN_PERSON,
        staff_id="anna",
        staff_chosen_by_citizen=True,
        starts_at=first.starts_at + timedelta(minutes=10),
        ends_at=first.ends_at + timedelta(minutes=10),
        busy_until=first.ends_at + timedelta(minutes=10),
        citizen_id=first.citizen_id,
        contact=CONTACT,
        subject="x",
        application_number=None,
        third_person=None,
        consent_version="v",
        consented_at=NOW,
        created_at=NOW,
    )
    async with storage.writing() as uow:
        with pytest.raises(SlotTaken):
            await uow.bookings.add(overlapping)
    assert await active_bookings_at(storage, "10:00") == 1


async def test_a_reschedule_into_a_partly_overlapping_time_is_refused(storage: SqlStorage):
    mine = await book(request(citizen(1), "09:00"), storage, CHANIA, NOW)
    await book(request(citizen(2), "10:00"), storage, CHANIA, NOW)
    with pytest.raises(SlotTaken):
        await reschedule(
            citizen(1), mine.reference, athens(THURSDAY, "09:45"), "anna", storage, CHANIA, NOW
        )
    [unchanged] = await upcoming_bookings(citizen(1), storage, NOW)
    assert unchanged.starts_at == athens(THURSDAY, "09:00")
    assert unchanged.sequence == 0


async def test_a_reschedule_may_overlap_the_bookings_own_old_time(storage: SqlStorage):
    mine = await book(request(citizen(1), "09:00"), storage, CHANIA, NOW)
    moved = await reschedule(
        citizen(1), mine.reference, athens(THURSDAY, "09:15"), "anna", storage, CHANIA, NOW
    )
    assert moved.reference == mine.reference
    assert moved.starts_at == athens(THURSDAY, "09:15")
    assert moved.sequence == 1
    free = await find_available_times(
        storage, CHANIA, SlotQuery("permits", Mode.VIDEO_CALL, "anna"), THURSDAY, NOW
    )
    times = wall_times([s.start for s in free])
    assert "08:45" in times  # 08:45-09:05 fits again
    assert "09:15" not in times


async def test_a_reschedule_keeps_the_old_time_until_the_new_one_is_secured(storage: SqlStorage):
    mine = await book(request(citizen(1), "09:00"), storage, CHANIA, NOW)
    with pytest.raises(SlotNotOffered):
        await reschedule(
            citizen(1), mine.reference, athens(THURSDAY, "11:05"), "anna", storage, CHANIA, NOW
        )
    with pytest.raises(SlotTaken):  # the citizen still holds 09:00
        await book(request(citizen(2), "09:00"), storage, CHANIA, NOW)


async def test_cancelling_frees_the_time(storage: SqlStorage):
    mine = await book(request(citizen(1), "09:00"), storage, CHANIA, NOW)
    cancelled = await cancel(citizen(1), mine.reference, storage, NOW)
    assert not cancelled.is_active
    assert await upcoming_bookings(citizen(1), storage, NOW) == []
    again = await book(request(citizen(2), "09:00"), storage, CHANIA, NOW)
    assert again.staff_id == "anna"
    async with storage.engine.connect() as connection:
        rows = (await connection.execute(select(func.count()).select_from(outbox))).scalar_one()
    replayed = await cancel(citizen(1), mine.reference, storage, NOW)  # "yes, cancel" again
    assert (replayed.id, replayed.sequence) == (cancelled.id, cancelled.sequence)
    async with storage.engine.connect() as connection:
        after = (await connection.execute(select(func.count()).select_from(outbox))).scalar_one()
    assert after == rows  # nothing told twice


async def test_only_the_owner_can_change_a_booking(storage: SqlStorage):
    mine = await book(request(citizen(1), "09:00"), storage, CHANIA, NOW)
    with pytest.raises(BookingNotFound):
        await cancel(citizen(2), mine.reference, storage, NOW)
    with pytest.raises(BookingNotFound):
        await reschedule(
            citizen(2), mine.reference, athens(THURSDAY, "12:00"), None, storage, CHANIA, NOW
        )


async def test_a_reference_typed_in_greek_letters_finds_the_booking(storage: SqlStorage):
    mine = await book(request(citizen(1), "09:00"), storage, CHANIA, NOW)
    typed = mine.reference.lower().replace("x", "χ").replace("a", "α").replace("n", "ν")
    cancelled = await cancel(citizen(1), typed.replace("-", " "), storage, NOW)
    assert cancelled.reference == mine.reference


async def test_at_most_three_active_bookings_per_citizen(storage: SqlStorage):
    for clock in ("09:00", "09:30", "10:00"):
        await book(request(citizen(1), clock), storage, CHANIA, NOW)
    with pytest.raises(TooManyActiveBookings):
        await book(request(citizen(1), "12:00"), storage, CHANIA, NOW)
    first = (await upcoming_bookings(citizen(1), storage, NOW))[0]
    await cancel(citizen(1), first.reference, storage, NOW)
    await book(request(citizen(1), "12:00"), storage, CHANIA, NOW)


async def test_past_bookings_do_not_count_towards_the_limit(storage: SqlStorage):
    for clock in ("09:00", "09:30", "10:00"):
        await book(request(citizen(1), clock), storage, CHANIA, NOW)
    next_week = athens(THURSDAY + timedelta(days=1), "12:00")
    later = request(citizen(1), "09:00", day=THURSDAY + timedelta(days=7))
    booking = await book(later, storage, CHANIA, next_week)
    assert booking.is_active


async def test_no_reschedule_inside_the_notice_period(storage: SqlStorage):
    mine = await book(request(citizen(1), "09:00"), storage, CHANIA, NOW)
    same_morning = athens(THURSDAY, "08:00")  # bookable only from the next working day
    with pytest.raises(TooLateToChange):
        await reschedule(
            citizen(1),
            mine.reference,
            athens(THURSDAY + timedelta(days=1), "09:00"),
            "anna",
            storage,
            CHANIA,
            same_morning,
        )
    # Cancelling late is still accepted: the office would rather know.
    assert not (await cancel(citizen(1), mine.reference, storage, same_morning)).is_active


async def test_a_citizen_cannot_be_at_two_appointments_at_once(storage: SqlStorage):
    mine = await book(request(citizen(1), "09:00", "anna"), storage, CHANIA, NOW)
    with pytest.raises(OverlapsOwnBooking):
        await book(request(citizen(1), "09:15", "babis"), storage, CHANIA, NOW)
    later = await book(request(citizen(1), "12:00", "babis"), storage, CHANIA, NOW)
    with pytest.raises(OverlapsOwnBooking):
        await reschedule(
            citizen(1), later.reference, athens(THURSDAY, "09:00"), "babis", storage, CHANIA, NOW
        )
    assert [b.reference for b in await upcoming_bookings(citizen(1), storage, NOW)] == [
        mine.reference,
        later.reference,
    ]


async def test_anyone_goes_to_the_least_busy_staff_member(storage: SqlStorage):
    await book(request(citizen(1), "09:00", "anna"), storage, CHANIA, NOW)
    await book(request(citizen(2), "09:00", "babis"), storage, CHANIA, NOW)
    anyone = await book(request(citizen(3), "12:00", None), storage, CHANIA, NOW)
    assert anyone.staff_id == "chrysa"
    assert not anyone.staff_chosen_by_citizen


async def test_saved_contact_details_are_kept_for_next_time(storage: SqlStorage):
    await book(request(citizen(1), "09:00"), storage, CHANIA, NOW)
    async with storage.reading() as uow:
        me = await uow.citizens.get(citizen(1))
    assert me is not None
    assert me.contact == CONTACT


async def test_racing_for_overlapping_times_ends_in_bookings_or_a_taken_time(storage: SqlStorage):
    """Overlapping times (20-minute services every 15 minutes) with "anyone": on PostgreSQL two
    such inserts can each wait for the other's exclusion check, and one of them is ended as a
    deadlock. The citizen is told the time was taken, not that something went wrong."""
    times = ("09:00", "09:15", "09:30", "09:45", "10:00", "10:15")
    attempts = [
        book(request(citizen(n), times[n % len(times)], None), storage, CHANIA, NOW)
        for n in range(60)
    ]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    unexpected = [r for r in results if not isinstance(r, Booking | SlotTaken)]
    assert unexpected == []
    made = [r for r in results if isinstance(r, Booking)]
    for staff_id in {b.staff_id for b in made}:
        own = sorted((b.starts_at, b.ends_at) for b in made if b.staff_id == staff_id)
        assert all(end <= next_start for (_, end), (next_start, _) in pairwise(own))
