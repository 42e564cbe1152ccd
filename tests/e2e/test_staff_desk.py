"""The staff desk, with the bot running as a process against the local Bot API server and a
real SMTP server: a clerk reads the day and marks a no-show, cancels an appointment for a
citizen (who is told in the chat and by e-mail), blocks an afternoon (which leaves a citizen's
calendar at once); the group never shows contact details; strangers get nothing; the
manager's figures and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from integrations.db.tables import bookings, staff_actions, staff_time_off
from tests.e2e.staff_office import (
    CLERK,
    MANAGER,
    STAFF_GROUP,
    STRANGER,
    add_booking,
    athens_at,
    office,
    staff_configuration,
    today,
)
from tests.e2e.telegram_citizen import (
    TelegramCitizen,
    migrated_database,
    start_bot,
    stop,
    table_rows,
)
from tests.e2e.test_worker import wait_until
from tests.fake_telegram import FakeTelegram, SentMessage
from tests.smtp_server import PASSWORD, USERNAME, SmtpServer


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return staff_configuration(tmp_path)


@pytest.fixture
def database(tmp_path: Path) -> str:
    return migrated_database(tmp_path)


@pytest.fixture
async def running(
    telegram: FakeTelegram, database: str, config: Path, tmp_path: Path
) -> AsyncIterator[SmtpServer]:
    smtp = SmtpServer()
    smtp.start()
    authority = tmp_path / "authority.pem"
    smtp.write_authority(str(authority))
    process = start_bot(
        "run",
        telegram,
        database,
        BOOKING_CONFIG=str(config),
        STAFF_CHAT_ID=str(STAFF_GROUP),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp.port),
        SMTP_USERNAME=USERNAME,
        SMTP_PASSWORD=PASSWORD,
        MAIL_FROM="Δήμος Χανίων <rantevou@chania.example>",
        SSL_CERT_FILE=str(authority),
    )
    try:
        await telegram.wait_for_call("getUpdates", seconds=30)
        yield smtp
    finally:
        errors = await stop(process)
        smtp.stop()
        assert "Traceback" not in errors, errors


def agenda_of(telegram: FakeTelegram, chat_id: int, reference: str) -> SentMessage:
    found = [m for m in telegram.sent_to(chat_id) if reference in m.text]
    assert found, f"no message with {reference} in chat {chat_id}"
    return found[-1]


async def test_a_clerk_marks_a_no_show_and_cancels_an_appointment_for_the_citizen(
    telegram: FakeTelegram, database: str, config: Path, running: SmtpServer
):
    chania = office(config)
    day = today(chania)
    started = await add_booking(
        database,
        chania,
        citizen=5101,
        staff_id="staff-2",
        starts_at=athens_at(chania, day, time(0, 0)),
        reference="XAN-TODAY",
    )
    tomorrow = await add_booking(
        database,
        chania,
        citizen=5102,
        staff_id="staff-2",
        starts_at=athens_at(chania, day + timedelta(days=1), time(10, 0)),
        name="Γιάννης Μαρκάκης",
        email="giannis@example.com",
        phone="+306998877665",
        reference="XAN-TMRRW",
    )
    typed = await add_booking(
        database,
        chania,
        citizen=5103,
        staff_id="staff-2",
        starts_at=athens_at(chania, day + timedelta(days=1), time(11, 0)),
        email="eleni@example.com",
        reference="XAN-TYPED",
    )
    clerk = TelegramCitizen(telegram, CLERK)
    await clerk.say("/myid")
    assert f"Telegram id): {CLERK}" in clerk.text
    await clerk.say("/today")
    assert "XAN-TODAY" in clerk.text
    for detail in ("Μαρία Παπαδάκη", "Έλεγχος φακέλου", "1234/2026", "maria@example.com"):
        assert detail in clerk.text  # in private, with the contact details
    await clerk.press("Δεν ήρθε")
    assert "Έδωσε δικαιολογία;" in clerk.text
    await clerk.press("Δεν ήρθε, χωρίς δικαιολογία")
    assert "🔴 Δεν ήρθε, χωρίς δικαιολογία (σημείωσε: Γιώργος Βλαχάκης" in clerk.text
    (marked,) = [b for b in await table_rows(database, bookings) if b.id == started]
    assert (marked.attendance, marked.attendance_by) == ("no_show", "staff-2")
    assert marked.attendance_at is not None

    await clerk.say("/tomorrow")
    assert "XAN-TMRRW" in clerk.text
    await clerk.press("Ακύρωση")
    assert "Επιλέξτε αιτία" in clerk.text
    await clerk.press("Ασθένεια του υπαλλήλου")
    assert "XAN-TMRRW" not in clerk.text  # the day's list, without it
    (cancelled,) = [b for b in await table_rows(database, bookings) if b.id == tomorrow]
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", "staff-2")
    assert cancelled.cancel_reason == "illness"

    # Another reason, typed as a reply to the bot's question.
    await clerk.press_data(f"sd:c:{typed}")
    await clerk.press("Άλλη αιτία")
    assert "ως απάντηση σε αυτό το μήνυμα" in clerk.text
    question = clerk.screen
    assert question is not None
    before = telegram.screen_changes[CLERK]
    telegram.push(
        telegram.text_update(CLERK, "Διακοπή ρεύματος στο κτίριο", reply_to=question.message_id)
    )
    clerk.screen = await telegram.wait_for_screen(CLERK, before)
    assert "Το ραντεβού XAN-TYPED ακυρώθηκε" in clerk.text
    (typed_cancel,) = [b for b in await table_rows(database, bookings) if b.id == typed]
    assert typed_cancel.cancel_reason == "Διακοπή ρεύματος στο κτίριο"
    await wait_until(lambda: bool(running.mailbox.to("eleni@example.com")), 30)
    (typed_letter,) = running.mailbox.to("eleni@example.com")
    typed_body = typed_letter.get_body(("plain",))
    assert typed_body is not None
    assert "Αιτία: Διακοπή ρεύματος στο κτίριο" in typed_body.get_content()

    citizen = TelegramCitizen(telegram, 5102)
    await telegram.wait_for_screen(5102, 0)
    citizen.screen = telegram.sent_to(5102)[-1]
    assert "η υπηρεσία ακύρωσε το ραντεβού σας XAN-TMRRW" in citizen.text
    assert "Αιτία: Ασθένεια του υπαλλήλου" in citizen.text
    await wait_until(lambda: bool(running.mailbox.to("giannis@example.com")), 30)
    (letter,) = running.mailbox.to("giannis@example.com")
    body = letter.get_body(("plain",))
    assert body is not None
    assert "Αιτία: Ασθένεια του υπαλλήλου" in body.get_content()
    await citizen.press("Νέο ραντεβού")
    assert "επιλέξτε ημέρα" in citizen.text  # straight to the days with free times

    # A reply to any other message of the bot is not a reason: it goes to the chat as usual.
    before = telegram.screen_changes[CLERK]
    first_answer = telegram.sent_to(CLERK)[0].message_id  # the answer to /myid
    telegram.push(telegram.text_update(CLERK, "/start", reply_to=first_answer))
    clerk.screen = await telegram.wait_for_screen(CLERK, before)
    assert "Καλώς ήρθατε!" in clerk.text

    actions = await table_rows(database, staff_actions)
    assert [(a.staff_id, a.action, a.booking_id) for a in actions] == [
        ("staff-2", "attendance", started),
        ("staff-2", "cancel", tomorrow),
        ("staff-2", "cancel", typed),
    ]


async def test_the_group_shows_no_contact_details_and_strangers_get_nothing(
    telegram: FakeTelegram, database: str, config: Path, running: SmtpServer
):
    chania = office(config)
    booking_id = await add_booking(
        database,
        chania,
        citizen=5201,
        staff_id="staff-2",
        starts_at=athens_at(chania, today(chania) + timedelta(days=1), time(9, 0)),
        reference="XAN-GROUP",
    )
    telegram.push(telegram.text_update(CLERK, "/tomorrow", chat_id=STAFF_GROUP))
    await telegram.wait_for_screen(STAFF_GROUP, 0)
    in_group = agenda_of(telegram, STAFF_GROUP, "XAN-GROUP")
    assert "Μαρία Παπαδάκη" in in_group.text
    assert "maria@example.com" not in in_group.text
    assert "+306912345678" not in in_group.text

    before = telegram.screen_changes.get(CLERK, 0)
    telegram.push(telegram.press_update(CLERK, in_group.message_id, f"sd:i:{booking_id}"))
    await telegram.wait_for_screen(CLERK, before)
    assert "maria@example.com" in telegram.sent_to(CLERK)[-1].text  # privately
    assert all("maria@example.com" not in m.text for m in telegram.sent_to(STAFF_GROUP))

    # A stranger and a citizen: a staff command goes to the citizens' dialog, and reveals
    # nothing; a staff button pressed does nothing and says nothing.
    stranger = TelegramCitizen(telegram, STRANGER)
    await stranger.say("/today")
    assert "XAN-GROUP" not in stranger.text
    assert "Μαρία" not in stranger.text
    answers = len(telegram.callback_answers)
    telegram.push(telegram.press_update(STRANGER, in_group.message_id, f"sd:c:{booking_id}"))
    telegram.push(telegram.press_update(STRANGER, in_group.message_id, f"sd:i:{booking_id}"))
    await wait_until(lambda: len(telegram.callback_answers) >= answers + 2, 15)
    assert all("text" not in a for a in telegram.callback_answers[answers:])
    assert all("maria" not in m.text for m in telegram.sent_to(STRANGER))
    citizen = TelegramCitizen(telegram, 5201)
    await citizen.say("/tomorrow")
    assert "Μαρία Παπαδάκη" not in citizen.text  # not the agenda: her own menu, which lists
    assert "Τι θέλετε να κάνετε;" in citizen.text  # her own booking and no one's name
    group_messages = len(telegram.sent_to(STAFF_GROUP))
    telegram.push(telegram.text_update(STRANGER, "/tomorrow", chat_id=STAFF_GROUP))
    await stranger.say("/start")  # handled after the group's update: that one said nothing
    assert len(telegram.sent_to(STAFF_GROUP)) == group_messages
    (row,) = await table_rows(database, bookings)
    assert row.status == "active"

    # Buttons no desk ever drew, pressed by a staff member: answered with nothing, no error.
    answers = len(telegram.callback_answers)
    forged = ["sd:m:000001", "sd:m:20261", "sd:d:00010101", "sd:p:x", "sd:a:1:nope", "sd:zz"]
    for data in forged:
        telegram.push(telegram.press_update(CLERK, in_group.message_id, data))
    await wait_until(lambda: len(telegram.callback_answers) >= answers + len(forged), 15)

    # The staff's commands are in the staff's menus only.
    assert "today" in telegram.commands_for(CLERK, CLERK)
    assert "figures" not in telegram.commands_for(CLERK, CLERK)
    assert "figures" in telegram.commands_for(MANAGER, MANAGER)
    assert "today" in telegram.commands_for(STAFF_GROUP, CLERK)
    assert "today" not in telegram.commands_for(STRANGER, STRANGER)
    assert "today" not in telegram.commands_for(STAFF_GROUP, STRANGER)
    english = {c["command"]: c["description"] for c in telegram.commands[""]}
    assert "today" not in english
    scoped = telegram.scoped_commands[("chat", CLERK, 0, "")]
    assert "today" in scoped


async def test_an_afternoon_off_leaves_a_citizens_calendar_at_once(
    telegram: FakeTelegram, database: str, config: Path, running: SmtpServer
):
    chania = office(config)
    citizen = TelegramCitizen(telegram, 5301)
    await citizen.say("/book")
    await citizen.press("Ραντεβού με φυσική παρουσία")
    await citizen.press("Πολεοδομικός Σχεδιασμός")  # offered by staff-2 alone here
    day_buttons = [b for b in citizen.buttons() if b["callback_data"].startswith("day:")]
    day_choice = day_buttons[0]["callback_data"]
    calendar = citizen.screen
    await citizen.press_data(day_choice)
    before = [b["text"] for b in citizen.buttons() if b["callback_data"].startswith("time:")]
    assert any(t >= "12:00" for t in before), before
    day = day_choice.removeprefix("day:")
    booked = await add_booking(
        database,
        chania,
        citizen=5302,
        staff_id="staff-2",
        service_id="planning",
        starts_at=athens_at(chania, date.fromisoformat(day), time(13, 0)),
        reference="XAN-INWAY",
    )

    clerk = TelegramCitizen(telegram, CLERK)
    yyyy, mm, dd = day.split("-")
    await clerk.say(f"/timeoff {dd}/{mm}/{yyyy} 12:00-14:30 Σεμινάριο")
    assert "Καταχωρίστηκε άδεια για Γιώργος Βλαχάκης" in clerk.text
    assert "XAN-INWAY" in clerk.text  # in the way, with a button to cancel it or keep it
    await clerk.press("Να μείνει")
    assert "Να μείνει" not in clerk.labels()
    (entry,) = await table_rows(database, staff_time_off)
    assert (entry.staff_id, entry.reason, entry.created_by) == ("staff-2", "Σεμινάριο", "staff-2")

    await citizen.press_data(day_choice, on=calendar)
    after = [b["text"] for b in citizen.buttons() if b["callback_data"].startswith("time:")]
    assert after, "the morning's times are still there"
    assert after == [t for t in before if t < "12:00"]  # the morning stays as it was
    rows = {b.id: b for b in await table_rows(database, bookings)}
    assert rows[booked].status == "active"


async def test_the_managers_figures_and_csv(
    telegram: FakeTelegram, database: str, config: Path, running: SmtpServer
):
    chania = office(config)
    day = today(chania)
    await add_booking(
        database,
        chania,
        citizen=5401,
        staff_id="staff-2",
        starts_at=athens_at(chania, day, time(0, 0)),
        name="Ελευθερία Χατζηδάκη",
        email="=HYPERLINK(1)",
        reference="XAN-CSV01",
    )
    clerk = TelegramCitizen(telegram, CLERK)
    await clerk.say("/figures")
    assert "μόνο για τους υπευθύνους" in clerk.text

    manager = TelegramCitizen(telegram, MANAGER)
    await manager.say("/today")
    assert "XAN-CSV01" in agenda_of(telegram, MANAGER, "XAN-CSV01").text  # everyone's
    await manager.say("/figures")
    assert "Ραντεβού: 1" in manager.text
    await telegram.wait_for_file(MANAGER)
    (chart,) = [f for f in telegram.files if f.method == "sendPhoto"]
    assert chart.content.startswith(b"\x89PNG")

    telegram.push(telegram.text_update(MANAGER, "/export", chat_id=STAFF_GROUP))
    await telegram.wait_for_screen(STAFF_GROUP, 0)
    assert "μόνο σε ιδιωτική συνομιλία" in telegram.sent_to(STAFF_GROUP)[-1].text
    telegram.push(telegram.text_update(MANAGER, "/export"))
    await telegram.wait_for_file(MANAGER, count=2)
    document = telegram.files[-1]
    assert document.method == "sendDocument"
    assert document.filename.endswith(".csv")
    assert document.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    table: list[list[Any]] = list(
        csv.reader(io.StringIO(document.content.decode("utf-8-sig")), delimiter=";")
    )
    assert table[0][:3] == ["Κωδικός", "Υπηρεσία", "Τρόπος"]
    row = dict(zip(table[0], table[1], strict=True))
    assert row["Ονοματεπώνυμο"] == "Ελευθερία Χατζηδάκη"
    assert row["E-mail"] == "'=HYPERLINK(1)"  # never a formula
    await manager.say("/audit")
    assert "εξαγωγή CSV" in manager.text
