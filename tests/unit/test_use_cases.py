"""The use cases and the booking conversation on the in-memory storage: the rules a citizen
meets (a time taken is refused, a replayed Confirm books once, a move keeps the old time until
the new one is secured, the limit of active bookings), without a database. The same use cases
run on SQLite and PostgreSQL in tests/integration/test_bookings.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from dialogs.engine import Dialog
from domain.errors import OverlapsOwnBooking, SlotTaken, TooLateToChange, TooManyActiveBookings
from domain.model import BookingStatus, Configuration
from domain.notifications import Kind
from domain.ports import Storage
from domain.use_cases import book, cancel, reschedule, upcoming_bookings
from tests.driver import Citizen
from tests.factories import athens
from tests.in_memory import MemoryConversations, MemoryStorage
from tests.integration.test_bookings import CHANIA, NOW, THURSDAY, citizen, request
from tests.integration.test_dialog import CHANIA as CHANIA_CONFIG
from tests.integration.test_dialog import NOW as DIALOG_NOW


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


async def test_a_booking_is_kept_with_its_notifications(storage: MemoryStorage):
    port: Storage = storage  # the in-memory storage is the port the use cases ask for
    booking = await book(request(citizen(), "10:00"), port, CHANIA, NOW)
    assert booking.staff_id == "anna"
    assert [b.reference for b in await upcoming_bookings(citizen(), storage, NOW)] == [
        booking.reference
    ]
    kinds = {n.kind for n in storage.pending_notifications() if n.booking_id == booking.id}
    assert {Kind.CITIZEN_EMAIL, Kind.STAFF_PING, Kind.EMAIL_REMINDER} <= kinds


async def test_a_time_taken_is_refused_and_anyone_gets_another_staff_member(
    storage: MemoryStorage,
):
    await book(request(citizen(1), "10:00"), storage, CHANIA, NOW)
    with pytest.raises(SlotTaken):
        await book(request(citizen(2), "10:00"), storage, CHANIA, NOW)
    other = await book(request(citizen(3), "10:00", staff_id=None), storage, CHANIA, NOW)
    assert other.staff_id != "anna"


async def test_confirm_replayed_with_its_key_books_once(storage: MemoryStorage):
    pressed = replace(request(citizen(), "10:00"), request_key="summary-1")
    first = await book(pressed, storage, CHANIA, NOW)
    again = await book(pressed, storage, CHANIA, NOW)
    assert again.id == first.id
    assert len(storage.tables.bookings) == 1


async def test_a_citizen_cannot_be_in_two_places_or_over_the_limit(storage: MemoryStorage):
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    with pytest.raises(OverlapsOwnBooking):
        await book(request(citizen(), "10:00", staff_id="babis"), storage, CHANIA, NOW)
    for day in (4, 7):
        await book(request(citizen(), "10:00", day=date(2026, 12, day)), storage, CHANIA, NOW)
    with pytest.raises(TooManyActiveBookings):
        await book(request(citizen(), "12:00", day=date(2026, 12, 8)), storage, CHANIA, NOW)


async def test_a_refused_move_keeps_the_old_time(storage: MemoryStorage):
    mine = await book(request(citizen(1), "10:00"), storage, CHANIA, NOW)
    await book(request(citizen(2), "11:30"), storage, CHANIA, NOW)
    with pytest.raises(SlotTaken):
        await reschedule(
            citizen(1), mine.reference, athens(THURSDAY, "11:30"), "anna", storage, CHANIA, NOW
        )
    kept = storage.tables.bookings[mine.id]
    assert kept.starts_at == athens(THURSDAY, "10:00")
    moved = await reschedule(
        citizen(1), mine.reference, athens(THURSDAY, "12:00"), "anna", storage, CHANIA, NOW
    )
    assert moved.sequence == 1
    assert moved.starts_at == athens(THURSDAY, "12:00")


async def test_cancel_is_once_and_not_after_the_start(storage: MemoryStorage):
    mine = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    cancelled = await cancel(citizen(), mine.reference, storage, NOW)
    assert cancelled.status is BookingStatus.CANCELLED
    assert (await cancel(citizen(), mine.reference, storage, NOW)).sequence == cancelled.sequence
    assert not [n for n in storage.pending_notifications() if n.kind is Kind.EMAIL_REMINDER]
    later = await book(request(citizen(), "12:00"), storage, CHANIA, NOW)
    with pytest.raises(TooLateToChange):
        await cancel(citizen(), later.reference, storage, athens(THURSDAY, "12:05"))


async def test_a_transaction_not_committed_leaves_nothing(storage: MemoryStorage):
    async with storage.writing() as uow:
        await uow.citizens.get_or_create(citizen())  # and no commit: the process died
    assert storage.tables.citizens == {}
    async with storage.writing() as uow:
        await uow.citizens.get_or_create(citizen())
        await uow.commit()
    assert len(storage.tables.citizens) == 1


async def test_the_whole_conversation_books_on_the_in_memory_storage(storage: MemoryStorage):
    dialog = Dialog(
        Configuration(CHANIA_CONFIG.municipalities),
        storage,
        MemoryConversations(storage),
        clock=lambda: DIALOG_NOW,
    )
    maria = Citizen(dialog, "4242")
    await maria.type("/start")
    await maria.press("Νέα κράτηση")
    await maria.press("φυσική παρουσία")
    await maria.press("Αυθαίρετα")
    await maria.press_first_day()
    await maria.press_first_time()
    await maria.press("Οποιοσδήποτε")
    for answer in ("Μαρία Παπαδάκη", "maria@example.com", "6912345678", "Έλεγχος φακέλου"):
        await maria.type(answer)
    await maria.press("Δεν έχω")
    await maria.press("Συμφωνώ")
    await maria.press("Επιβεβαίωση κράτησης")
    assert "Το ραντεβού σας κλείστηκε." in maria.text
    [booked] = storage.tables.bookings.values()
    assert booked.contact.full_name == "Μαρία Παπαδάκη"
    assert booked.reference in maria.text
    assert booked.starts_at > DIALOG_NOW + timedelta(hours=1)


class BrokenStorage(MemoryStorage):
    """A database that stops answering reads once `broken`."""

    broken = False

    def reading(self) -> Any:
        if self.broken:
            raise ConnectionError("the database went away")
        return super().reading()


async def test_a_failed_turn_tells_the_citizen_and_is_counted():
    failures: list[None] = []
    storage = BrokenStorage()
    dialog = Dialog(
        Configuration(CHANIA_CONFIG.municipalities),
        storage,
        MemoryConversations(storage),
        clock=lambda: DIALOG_NOW,
        on_failure=lambda: failures.append(None),
    )
    maria = Citizen(dialog, "4243")
    await maria.type("/start")
    storage.broken = True
    await maria.press("Νέα κράτηση")
    assert "κάτι πήγε στραβά" in maria.text
    assert maria.step == "menu"  # the same screen again, nothing half-done
    assert len(failures) == 1
