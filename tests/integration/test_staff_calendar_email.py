"""Without Teams, the staff member who takes a booking gets it by e-mail, through a real SMTP
server, in Greek, with everything the group ping leaves out and a calendar file of its own that
their calendar keeps up to date: REQUEST, then a higher SEQUENCE, then CANCEL."""

from __future__ import annotations

from dataclasses import replace

from domain.model import ThirdPerson
from domain.use_cases import BookingRequest, book, cancel, reschedule
from integrations.db.storage import SqlStorage
from tests.factories import athens
from tests.integration.test_bookings import NOW, THURSDAY, citizen, request
from tests.integration.test_emails import (
    CHANIA,
    CITIZEN_ADDRESS,
    drain,
    event_of,
    html,
    plain,
    worker,
)
from tests.integration.test_outbox import Clock
from tests.smtp_server import SmtpServer

ANNA, BABIS = "anna@example.com", "babis@example.com"


def with_third_person() -> BookingRequest:
    return replace(
        request(citizen(), "10:00"),
        application_number="12345/2026",
        third_person=ThirdPerson("Νίκος Μηχανικός", "nikos@example.com"),
    )


async def test_the_staff_member_gets_the_citizens_details_and_a_calendar_file(
    storage: SqlStorage, smtp: SmtpServer
):
    booking = await book(with_third_person(), storage, CHANIA, NOW)
    await drain(worker(storage, smtp, Clock(NOW)))
    (message,) = smtp.mailbox.to(ANNA)
    assert message["Subject"] == (
        f"Ραντεβού {booking.reference}: Μαρία Παπαδάκη, Πέμπτη 3 Δεκεμβρίου, 10:00"
    )
    text = plain(message)
    for detail in (
        "Σας ανατέθηκε νέο ραντεβού.",
        f"Κωδικός κράτησης: {booking.reference}",
        "Υπηρεσία: Υπηρεσία Δόμησης – Οικοδομικές Άδειες",
        "Τρόπος: Ραντεβού με τηλεδιάσκεψη",
        "Ημέρα και ώρα: Πέμπτη 3 Δεκεμβρίου, 10:00",
        "Πολίτης: Μαρία Παπαδάκη",
        "E-mail: maria@example.com",
        "Κινητό: +306912345678",
        f"Θέμα: {booking.subject}",
        "Αριθμός αίτησης: 12345/2026",
        "Τρίτο πρόσωπο: Νίκος Μηχανικός (nikos@example.com)",
        "Συμμετοχή στη συνάντηση: https://meet.example.org/rantevou-",
        "δεχτείτε τον από την αίθουσα αναμονής",
        "Δικαιολογητικά που πρέπει να ζητήσετε από τον πολίτη:\nΤαυτότητα ή διαβατήριο",
    ):
        assert detail in text
    assert "Κινητό: +306912345678" in html(message)
    citizen_event = event_of(smtp.mailbox.to(CITIZEN_ADDRESS)[0])
    staff_event = event_of(message)
    assert staff_event["method"] == "REQUEST"
    assert staff_event["uid"] != citizen_event["uid"]
    assert staff_event["start"] == athens(THURSDAY, "10:00").isoformat()
    assert staff_event["summary"].startswith(booking.reference)


async def test_a_move_updates_the_entry_and_a_cancellation_says_who_cancelled(
    storage: SqlStorage, smtp: SmtpServer
):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    the_worker = worker(storage, smtp, Clock(NOW))
    await drain(the_worker)
    await reschedule(
        citizen(), booking.reference, athens(THURSDAY, "12:00"), "anna", storage, CHANIA, NOW
    )
    await drain(the_worker)
    await cancel(citizen(), booking.reference, storage, NOW)
    await drain(the_worker)
    booked, moved, cancelled = smtp.mailbox.to(ANNA)
    events = [event_of(m) for m in (booked, moved, cancelled)]
    assert [(e["method"], e["sequence"]) for e in events] == [
        ("REQUEST", "0"),
        ("REQUEST", "1"),
        ("CANCEL", "2"),
    ]
    assert len({e["uid"] for e in events}) == 1
    assert events[1]["start"] == athens(THURSDAY, "12:00").isoformat()
    assert "Το ραντεβού άλλαξε." in plain(moved)
    assert "Ακυρώθηκε από: τον πολίτη" in plain(cancelled)
    assert cancelled["Subject"].startswith(f"Ακύρωση ραντεβού {booking.reference}")


async def test_a_booking_moved_to_another_staff_member_leaves_the_first_calendar(
    storage: SqlStorage, smtp: SmtpServer
):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    the_worker = worker(storage, smtp, Clock(NOW))
    await drain(the_worker)
    await reschedule(
        citizen(), booking.reference, athens(THURSDAY, "10:00"), "babis", storage, CHANIA, NOW
    )
    await drain(the_worker)
    await drain(the_worker)  # a second round sends nothing more
    first, gone = smtp.mailbox.to(ANNA)
    (taken,) = smtp.mailbox.to(BABIS)
    assert event_of(first)["method"] == "REQUEST"
    assert event_of(gone)["method"] == "CANCEL"
    assert "ανατέθηκε σε άλλον υπάλληλο" in plain(gone)
    assert event_of(taken)["method"] == "REQUEST"
    assert "E-mail: maria@example.com" in plain(taken)


async def test_a_booking_moved_before_the_worker_ran_reaches_only_the_new_staff_member(
    storage: SqlStorage, smtp: SmtpServer
):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    await reschedule(
        citizen(), booking.reference, athens(THURSDAY, "11:30"), "babis", storage, CHANIA, NOW
    )
    await drain(worker(storage, smtp, Clock(NOW)))
    assert smtp.mailbox.to(ANNA) == []
    (taken,) = smtp.mailbox.to(BABIS)
    assert event_of(taken)["start"] == athens(THURSDAY, "11:30").isoformat()
