"""Booking e-mails through a real SMTP server (aiosmtpd, STARTTLS and AUTH required): what the
citizen and the invited third person receive, the calendar file, the manage link, and what
happens when the mail server is down or refuses."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, timedelta
from email.message import EmailMessage

from icalendar import Calendar
from sqlalchemy import select

from dialogs.engine import Dialog
from domain.model import ChannelIdentity, Configuration, LocalizedText, Mode
from domain.use_cases import book, cancel, reschedule
from integrations.db.conversations import SqlConversationStore
from integrations.db.storage import SqlStorage
from integrations.db.tables import manage_tokens, outbox
from integrations.email.compose import Letter, LetterKind, Sender, booking_email
from integrations.outbox.wiring import build_worker
from integrations.outbox.worker import OutboxWorker, RetryPolicy, WorkerTuning
from integrations.settings import DEFAULT_BOOKING_CONFIG, Settings
from tests.driver import Citizen
from tests.factories import athens, municipality, service, staff
from tests.integration.test_bookings import NOW, THURSDAY, citizen, request
from tests.integration.test_outbox import Clock
from tests.smtp_server import PASSWORD, USERNAME, SmtpServer

PERMITS = replace(
    service("permits"),
    name=LocalizedText("Υπηρεσία Δόμησης – Οικοδομικές Άδειες", "Building Office – Permits"),
    documents=LocalizedText("Ταυτότητα ή διαβατήριο", "Identity card or passport"),
)
CHANIA = replace(
    municipality(staff("anna"), staff("babis"), services=(PERMITS,)),
    name=LocalizedText("Δήμος Χανίων", "Municipality of Chania"),
)
CITIZEN_ADDRESS = "maria@example.com"
THIRD_ADDRESS = "nikos@example.com"
BOT_LINK = re.compile(r"https://t\.me/rantevou_bot\?start=m_([A-Za-z0-9_-]+)")


async def telegram_link(identity: ChannelIdentity, token: str) -> str:
    return f"https://t.me/rantevou_bot?start=m_{token}"


def settings(smtp: SmtpServer, password: str = PASSWORD) -> Settings:
    return Settings(
        database_url="",
        booking_config=DEFAULT_BOOKING_CONFIG,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_username=USERNAME,
        smtp_password=password,
        mail_from="Δήμος Χανίων <rantevou@chania.example>",
        meeting_provider="jitsi",
        jitsi_base_url="https://meet.example.org",
    )


def worker(
    storage: SqlStorage, smtp: SmtpServer, clock: Clock, password: str = PASSWORD
) -> OutboxWorker:
    return build_worker(
        settings(smtp, password),
        Configuration((CHANIA,)),
        storage,
        manage_url=telegram_link,
        smtp_tls_context=smtp.client_context(),
        clock=clock,
        tuning=WorkerTuning(RetryPolicy(first_delay=timedelta(seconds=10), max_attempts=4)),
    )


async def drain(the_worker: OutboxWorker) -> None:
    while await the_worker.run_once():
        pass


def plain(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def calendar(message: EmailMessage) -> Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_content_charset() == "utf-8"
    return Calendar.from_ical(part.get_content())


def event_of(message: EmailMessage) -> dict[str, str]:
    parsed = calendar(message)
    (event,) = parsed.walk("VEVENT")
    return {
        "method": str(parsed["METHOD"]),
        "uid": str(event["UID"]),
        "sequence": str(event["SEQUENCE"]),
        "summary": str(event["SUMMARY"]),
        "start": event.decoded("DTSTART").isoformat(),
    }


async def test_the_citizen_gets_a_confirmation_in_greek_with_the_link_and_a_calendar_file(
    storage: SqlStorage, smtp: SmtpServer
):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    await drain(worker(storage, smtp, Clock(NOW)))
    (message,) = smtp.mailbox.to(CITIZEN_ADDRESS)
    assert message["Subject"] == (
        f"Επιβεβαίωση ραντεβού {booking.reference} – Πέμπτη 3 Δεκεμβρίου, 10:00"
    )
    assert message["From"].addresses[0].display_name == "Δήμος Χανίων"
    text = plain(message)
    for detail in (
        "Προς: Μαρία Παπαδάκη",  # no name declined in the wrong case
        "Το ραντεβού σας κλείστηκε.",
        f"Κωδικός κράτησης: {booking.reference}",
        "Υπηρεσία: Υπηρεσία Δόμησης – Οικοδομικές Άδειες",
        "Τρόπος: Ραντεβού με τηλεδιάσκεψη",
        "Υπάλληλος: Anna",
        "Θέμα: Άδεια δόμησης για την οικία μου",
        "Αριθμός αίτησης: 12345/2026",
        "Τρίτο πρόσωπο: Νίκος Μηχανικός",
        "Συμμετοχή στη συνάντηση: https://meet.example.org/rantevou-",
        "ανοίξτε τον σύνδεσμο στον browser",
        "Ταυτότητα ή διαβατήριο",
    ):
        assert detail in text
    for teams_only in ("Θα μπείτε σε αναμονή", "Συμμετοχή τώρα", "Microsoft Teams"):
        assert teams_only not in text  # the call is on Jitsi
    assert 'href="https://meet.example.org/rantevou-' in html(message)
    assert event_of(message) == {
        "method": "REQUEST",
        "uid": f"{booking.reference}@chania.example",
        "sequence": "0",
        "summary": "Ραντεβού: Υπηρεσία Δόμησης – Οικοδομικές Άδειες",
        "start": athens(THURSDAY, "10:00").isoformat(),
    }


async def test_the_manage_link_carries_a_random_token_stored_only_as_a_hash(
    storage: SqlStorage, smtp: SmtpServer
):
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    await drain(worker(storage, smtp, Clock(NOW)))
    (message,) = smtp.mailbox.to(CITIZEN_ADDRESS)
    match = BOT_LINK.search(plain(message))
    assert match is not None
    token = match.group(1)
    assert len(token) >= 22  # 128 bits in URL-safe Base64
    async with storage.engine.connect() as connection:
        stored = (await connection.execute(select(manage_tokens.c.token_hash))).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


async def test_the_third_person_gets_an_invitation_with_the_link(
    storage: SqlStorage, smtp: SmtpServer
):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    await drain(worker(storage, smtp, Clock(NOW)))
    (invitation,) = smtp.mailbox.to(THIRD_ADDRESS)
    assert invitation["Subject"].startswith("Πρόσκληση σε τηλεδιάσκεψη – Δήμος Χανίων")
    text = plain(invitation)
    assert "Τη ζήτησε: Μαρία Παπαδάκη." in text
    citizen_link = re.search(
        r"https://meet\.example\.org/\S+", plain(smtp.mailbox.to(CITIZEN_ADDRESS)[0])
    )
    assert citizen_link is not None
    assert citizen_link.group(0) in text
    assert "Θέμα:" not in text  # the citizen's own business stays with the citizen
    assert "t.me" not in text  # and so does the manage link
    assert event_of(invitation)["uid"] == f"{booking.reference}@chania.example"


async def test_an_in_person_booking_gives_the_address_and_no_link(
    storage: SqlStorage, smtp: SmtpServer
):
    in_person = replace(request(citizen(), "10:00"), mode=Mode.IN_PERSON, third_person=None)
    await book(in_person, storage, CHANIA, NOW)
    await drain(worker(storage, smtp, Clock(NOW)))
    (message,) = smtp.mailbox.to(CITIZEN_ADDRESS)
    text = plain(message)
    assert "Τόπος: Kydonias 29" in text
    assert "meet.example.org" not in text
    assert "Τρόπος: Ραντεβού με φυσική παρουσία" in text


async def test_a_move_updates_the_calendar_event_and_a_cancellation_removes_it(
    storage: SqlStorage, smtp: SmtpServer
):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    the_worker = worker(storage, smtp, Clock(NOW))
    await drain(the_worker)
    await reschedule(
        citizen(), booking.reference, athens(THURSDAY, "12:00"), None, storage, CHANIA, NOW
    )
    await drain(the_worker)
    await cancel(citizen(), booking.reference, storage, NOW)
    await drain(the_worker)
    booked, moved, cancelled = smtp.mailbox.to(CITIZEN_ADDRESS)
    assert moved["Subject"].startswith(f"Νέα ώρα για το ραντεβού {booking.reference}")
    assert cancelled["Subject"] == f"Ακύρωση ραντεβού {booking.reference}"
    events = [event_of(m) for m in (booked, moved, cancelled)]
    assert {e["uid"] for e in events} == {f"{booking.reference}@chania.example"}
    assert [(e["method"], e["sequence"]) for e in events] == [
        ("REQUEST", "0"),
        ("REQUEST", "1"),
        ("CANCEL", "2"),
    ]
    assert events[1]["start"] == athens(THURSDAY, "12:00").isoformat()
    assert "Συμμετοχή" not in plain(cancelled)
    invitations = smtp.mailbox.to(THIRD_ADDRESS)
    assert invitations[-1]["Subject"].startswith("Ακύρωση τηλεδιάσκεψης")


async def test_while_the_mail_server_is_down_emails_wait_then_go_out_once(
    storage: SqlStorage, smtp: SmtpServer
):
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    smtp.stop()
    clock = Clock(NOW)
    the_worker = worker(storage, smtp, clock)
    await drain(the_worker)
    async with storage.engine.connect() as connection:
        row = (
            await connection.execute(
                select(outbox.c.status, outbox.c.attempts, outbox.c.last_error).where(
                    outbox.c.kind == "citizen_email"
                )
            )
        ).one()
    assert row.status == "pending"
    assert row.attempts == 1
    assert "unreachable" in row.last_error
    assert "maria" not in row.last_error
    smtp.start()
    clock.now += timedelta(seconds=12)
    await drain(the_worker)
    clock.now += timedelta(minutes=5)
    await drain(the_worker)
    assert len(smtp.mailbox.to(CITIZEN_ADDRESS)) == 1
    assert len(smtp.mailbox.to(THIRD_ADDRESS)) == 1


async def test_a_refused_login_is_retried_rather_than_given_up(
    storage: SqlStorage, smtp: SmtpServer
):
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    clock = Clock(NOW)
    await drain(worker(storage, smtp, clock, password="wrong"))
    assert smtp.mailbox.messages == []
    clock.now += timedelta(seconds=12)
    await drain(worker(storage, smtp, clock))  # the password was mended
    assert len(smtp.mailbox.to(CITIZEN_ADDRESS)) == 1


async def test_an_address_the_server_refuses_is_given_up_and_staff_are_told(
    storage: SqlStorage, smtp: SmtpServer
):
    smtp.mailbox.refuse.add(CITIZEN_ADDRESS)
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    await drain(worker(storage, smtp, Clock(NOW)))
    async with storage.engine.connect() as connection:
        statuses = dict((await connection.execute(select(outbox.c.kind, outbox.c.status))).all())
    assert statuses["citizen_email"] == "parked"
    assert statuses["staff_alert"] == "pending"  # for the staff group's deliverer
    assert statuses["third_person_email"] == "done"


async def test_a_citizen_in_new_york_who_chose_english_gets_english_with_her_time(
    storage: SqlStorage, smtp: SmtpServer
):
    """Chosen in the chat, nothing set by hand: the e-mail reads the one home of both."""
    conversations = SqlConversationStore(storage.engine)
    dialog = Dialog(Configuration((CHANIA,)), storage, conversations, clock=lambda: NOW)
    anna = Citizen(dialog, user_id="7001", language_hint="el")
    await anna.type("/language")
    await anna.press("English")
    await anna.type("/timezone")
    await anna.press("America/New_York")
    await anna.type("/book")
    await anna.press("Appointment in person")
    await anna.press("Building Office – Permits")
    await anna.press_first_day()
    await anna.press_first_time()
    await anna.press("Anyone")
    for answer in ("Anna Smith", "anna.smith@example.org", "6912345678", "Permit check"):
        await anna.type(answer)
    await anna.press("I don't have one")
    await anna.press("I agree")
    await anna.press("Confirm the booking")
    assert "Your appointment is booked." in anna.text
    await drain(worker(storage, smtp, Clock(NOW)))
    (message,) = smtp.mailbox.to("anna.smith@example.org")
    assert message["Subject"].startswith("Appointment confirmed XAN-")
    assert "(New York) (Greek time " in message["Subject"]
    assert "Service: Building Office – Permits" in plain(message)


async def test_reminders_come_the_day_before_and_two_hours_before(
    storage: SqlStorage, smtp: SmtpServer
):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    clock = Clock(NOW)
    the_worker = worker(storage, smtp, clock)
    await drain(the_worker)
    clock.now = athens(date(2026, 12, 2), "10:01")
    await drain(the_worker)
    clock.now = athens(THURSDAY, "08:01")
    await drain(the_worker)
    subjects = [m["Subject"] for m in smtp.mailbox.to(CITIZEN_ADDRESS)]
    reminder = f"Υπενθύμιση ραντεβού {booking.reference} – Πέμπτη 3 Δεκεμβρίου, 10:00"
    assert subjects[1:] == [reminder, reminder]
    assert "Συμμετοχή στη συνάντηση: https://meet.example.org/" in plain(
        smtp.mailbox.to(CITIZEN_ADDRESS)[-1]
    )


async def test_a_moved_booking_is_reminded_at_its_new_time_only(
    storage: SqlStorage, smtp: SmtpServer
):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    next_week = date(2026, 12, 10)
    await reschedule(
        citizen(), booking.reference, athens(next_week, "10:00"), None, storage, CHANIA, NOW
    )
    clock = Clock(NOW)
    the_worker = worker(storage, smtp, clock)
    await drain(the_worker)
    clock.now = athens(THURSDAY, "09:00")  # the old time's reminders would be due by now
    await drain(the_worker)
    assert not any("Υπενθύμιση" in m["Subject"] for m in smtp.mailbox.messages)
    clock.now = athens(next_week, "08:30")
    await drain(the_worker)
    reminders = [m for m in smtp.mailbox.messages if "Υπενθύμιση" in m["Subject"]]
    assert len(reminders) == 2
    assert "Πέμπτη 10 Δεκεμβρίου, 10:00" in reminders[0]["Subject"]


async def test_a_worker_back_after_the_appointment_reminds_nobody_of_it(
    storage: SqlStorage, smtp: SmtpServer
):
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    clock = Clock(NOW)
    the_worker = worker(storage, smtp, clock)
    await drain(the_worker)
    clock.now = athens(THURSDAY, "11:00")  # the worker was down until after the call
    await drain(the_worker)
    assert not any("Υπενθύμιση" in m["Subject"] for m in smtp.mailbox.messages)
    async with storage.engine.connect() as connection:
        statuses = (
            await connection.execute(
                select(outbox.c.status).where(outbox.c.kind == "email_reminder")
            )
        ).scalars()
        assert set(statuses) == {"dropped"}


async def test_a_teams_meetings_email_explains_teams_lobby_and_a_jitsi_one_does_not(
    storage: SqlStorage,
):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    sender = Sender.parse("Δήμος Χανίων <rantevou@chania.example>", "Δήμος Χανίων")
    texts = {}
    for url in ("https://teams.microsoft.com/l/meetup-join/abc", "https://meet.jit.si/xan-abc"):
        letter = Letter(
            LetterKind.BOOKED,
            booking,
            CHANIA,
            "el",
            CHANIA.time_zone,
            ("Μαρία Παπαδάκη", "maria@example.com"),
            join_url=url,
        )
        texts[url] = plain(booking_email(letter, sender, NOW, "<m@chania.example>"))
    teams, jitsi = texts.values()
    assert "Πριν πατήσετε «Συμμετοχή τώρα»" in teams
    assert "web έκδοση του Microsoft Teams" in teams
    assert "Συμμετοχή τώρα" not in jitsi
    assert "ανοίξτε τον σύνδεσμο στον browser" in jitsi
