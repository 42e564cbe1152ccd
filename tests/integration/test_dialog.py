"""The booking conversation, driven as a citizen would drive it, on a real SQLite database."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dialogs.engine import Dialog
from dialogs.screens import Event
from domain.model import ChannelIdentity
from domain.use_cases import upcoming_bookings
from integrations.configuration import load_configuration
from integrations.db.conversations import SqlConversationStore
from integrations.db.migrate import upgrade
from integrations.db.storage import SqlStorage
from integrations.db.tables import bookings, conversations
from integrations.settings import DEFAULT_BOOKING_CONFIG
from tests.driver import Citizen
from tests.factories import athens
from tests.integration.conftest import sqlite_engine

CHANIA = load_configuration(DEFAULT_BOOKING_CONFIG)
NOW = athens(date(2026, 12, 1), "10:00")  # a Tuesday; bookable from Wednesday 2 December


@pytest.fixture
async def storage(tmp_path: Path):
    engine = sqlite_engine(tmp_path)
    await upgrade(engine)
    yield SqlStorage(engine)
    await engine.dispose()


def make_dialog(storage: SqlStorage, now: datetime = NOW) -> Dialog:
    return Dialog(CHANIA, storage, SqlConversationStore(storage.engine), clock=lambda: now)


@pytest.fixture
def dialog(storage: SqlStorage) -> Dialog:
    return make_dialog(storage)


async def count_bookings(storage: SqlStorage) -> int:
    async with storage.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(bookings))).scalar_one()


async def book_video_call(
    citizen: Citizen, *, third_person: bool = True, nth_time: int = 0, confirm: bool = True
) -> None:
    await citizen.type("/start")
    await citizen.press("Νέα κράτηση")
    await citizen.press("Ραντεβού με τηλεδιάσκεψη")
    await citizen.press("Οικοδομικές Άδειες (20 λεπτά)")
    await citizen.press_first_day()
    await citizen.press(citizen.labels()[nth_time])
    await citizen.press("Οποιοσδήποτε")
    if citizen.step == "contact":
        await citizen.press("Ναι, αυτά")
    else:
        await citizen.type("Μαρία Παπαδάκη")
        await citizen.type("maria@example.com")
        await citizen.type("6912345678")
    await citizen.type("Έλεγχος φακέλου οικοδομικής άδειας")
    await citizen.press("Δεν έχω")
    if third_person:
        await citizen.press("Ναι")
        await citizen.type("Νίκος Μηχανικός")
        await citizen.type("nikos@example.com")
    else:
        await citizen.press("Όχι")
    await citizen.press("ΝΑΙ")
    await citizen.press("Συμφωνώ")
    assert citizen.step == "summary"
    if confirm:
        await citizen.press("Επιβεβαίωση κράτησης")


async def up_to_the_details(citizen: Citizen) -> None:
    """A video call for building permits, at the first free time, with anyone."""
    await citizen.type("/book")
    await citizen.press("Ραντεβού με τηλεδιάσκεψη")
    await citizen.press("Οικοδομικές Άδειες")
    await citizen.press_first_day()
    await citizen.press_first_time()
    await citizen.press("Οποιοσδήποτε")


async def test_a_full_video_call_booking(dialog: Dialog, storage: SqlStorage):
    maria = Citizen(dialog)
    await book_video_call(maria)
    assert maria.step == "booking"
    assert "Το ραντεβού σας κλείστηκε." in maria.text
    assert "Ο σύνδεσμος για την τηλεδιάσκεψη θα σας σταλεί με e-mail." in maria.text
    assert {"Προγραμματισμός εκ νέου", "Ακύρωση κράτησης", "Νέα κράτηση"} <= set(maria.labels())
    [booking] = await upcoming_bookings(maria.identity, storage, NOW)
    assert booking.reference in maria.text
    assert booking.contact.full_name == "Μαρία Παπαδάκη"
    assert booking.contact.phone == "+306912345678"
    assert booking.third_person is not None
    assert booking.third_person.email == "nikos@example.com"
    assert booking.application_number is None
    assert booking.consent_version.startswith("el-")
    assert booking.starts_at == athens(date(2026, 12, 2), "08:30")
    # A whole video-call booking with a third person: 11 taps and 6 typed answers (the
    # seventh typed message is /start, which Telegram's Start button sends).
    assert (maria.taps, maria.typed) == (11, 7)


async def test_an_in_person_booking_skips_the_video_call_questions(dialog, storage):
    giorgos = Citizen(dialog, user_id="2002")
    await giorgos.type("/book")
    await giorgos.press("Ραντεβού με φυσική παρουσία")
    await giorgos.press("Αυθαίρετα")
    await giorgos.press_first_day()
    await giorgos.press_first_time()
    await giorgos.press("Οποιοσδήποτε")
    for answer in ("Γιώργος Βλάχος", "giorgos@example.com", "6987654321", "Τακτοποίηση αποθήκης"):
        await giorgos.type(answer)
    await giorgos.type("55/2026")
    assert giorgos.step == "consent"
    await giorgos.press("Συμφωνώ")
    assert "Αριθμός αίτησης: 55/2026" in giorgos.text
    assert "Τρίτο πρόσωπο" not in giorgos.text
    await giorgos.press("Επιβεβαίωση κράτησης")
    assert "Πού: Υπηρεσία Δόμησης Δήμου Χανίων" in giorgos.text


async def test_nothing_is_saved_before_confirm_and_cancel_abandons(dialog, storage):
    maria = Citizen(dialog)
    await up_to_the_details(maria)
    await maria.type("Μαρία Παπαδάκη")
    assert await count_bookings(storage) == 0
    await maria.press("Άκυρο")
    assert "Δεν αποθηκεύτηκε τίποτα" in maria.text
    assert maria.step == "menu"
    assert await count_bookings(storage) == 0


async def test_back_returns_to_the_previous_step_with_answers_kept(dialog):
    maria = Citizen(dialog)
    await up_to_the_details(maria)
    await maria.type("Μαρία Παπαδάκη")
    assert maria.step == "email"
    await maria.press("« Πίσω")
    assert maria.step == "name"
    assert "Τώρα: Μαρία Παπαδάκη" in maria.text
    await maria.type("πίσω")
    assert maria.step == "staff"
    await maria.press("Οποιοσδήποτε")
    assert maria.step == "name"  # forward one screen at a time, the name kept
    await maria.press("✓ Μαρία Παπαδάκη")
    assert maria.step == "email"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "x" * 10_000,
        "😀😀😀",
        "\u0000\u0007\u001b",
        "<script>alert(1)</script>",
        "'; DROP TABLE bookings; --",
    ],
)
async def test_bad_input_gets_a_message_and_the_same_step(dialog, storage, bad):
    maria = Citizen(dialog)
    await up_to_the_details(maria)
    assert maria.step == "name"
    await maria.type(bad)
    assert maria.step == "name"
    assert maria.text.splitlines()[0] != "Γράψτε το ονοματεπώνυμό σας."  # a reason comes first
    await maria.press("« Πίσω")
    await maria.type(bad)
    assert maria.step == "staff"
    assert await count_bookings(storage) == 0


async def test_typed_days_and_times_are_understood(dialog):
    maria = Citizen(dialog)
    await maria.type("/book")
    await maria.type("1")  # the first choice: video call
    await maria.type("Υπηρεσία Δόμησης – Οικοδομικές Άδειες (20 λεπτά)")
    await maria.type("αύριο")
    assert maria.step == "time"
    assert "Τετάρτη 2 Δεκεμβρίου" in maria.text
    await maria.type("09.30")
    assert maria.step == "staff"
    await maria.press("« Πίσω")
    await maria.press("« Πίσω")
    await maria.type("Πέμπτη")
    assert "Πέμπτη 3 Δεκεμβρίου" in maria.text
    await maria.type("23:00")
    assert "Η ώρα 23:00 δεν είναι ελεύθερη" in maria.text
    assert maria.step == "time"


async def test_the_number_of_a_navigation_choice_navigates(dialog):
    maria = Citizen(dialog)
    await maria.type("/book")
    await maria.press("Ραντεβού με φυσική παρουσία")
    back = maria.labels().index("« Πίσω") + 1
    await maria.type(str(back))
    assert maria.step == "mode"
    await maria.press("Ραντεβού με φυσική παρουσία")
    help_number = maria.labels().index("Βοήθεια") + 1
    await maria.type(str(help_number))
    assert maria.text.startswith("Πατήστε ένα κουμπί")
    assert maria.step == "service"


async def test_days_that_cannot_be_booked_are_explained(dialog):
    maria = Citizen(dialog)
    await maria.type("/book")
    await maria.press("Ραντεβού με φυσική παρουσία")
    await maria.press("Οικοδομικές Άδειες")
    await maria.type("25/11")
    assert "έχει περάσει" in maria.text
    await maria.type("25/12")
    assert "Δεν υπάρχουν ελεύθερες ώρες: Παρασκευή 25 Δεκεμβρίου" in maria.text
    await maria.type("σκύλος")
    assert "π.χ. 25/12" in maria.text
    assert maria.step == "day"


async def test_the_calendar_moves_between_months_within_the_window(storage):
    mid_december = athens(date(2026, 12, 15), "10:00")  # the window ends on 14 January
    maria = Citizen(make_dialog(storage, now=mid_december))
    await maria.type("/book")
    await maria.press("Ραντεβού με φυσική παρουσία")
    await maria.press("Οικοδομικές Άδειες")
    assert maria.screen is not None
    assert maria.screen.calendar
    assert maria.text.startswith("Δεκέμβριος 2026")
    header = [c.label for c in maria.screen.rows[0]]
    assert header == ["Δε", "Τρ", "Τε", "Πέ", "Πα", "Σά", "Κυ"]
    assert "‹ Νοέμβριος 2026" not in maria.labels()
    inert = [c.label for row in maria.screen.rows[1:] for c in row if c.id is None]
    assert {"15", "25"} <= set(inert)  # today, and Christmas: shown, not pressable
    await maria.press("Ιανουάριος 2027 ›")
    assert maria.text.startswith("Ιανουάριος 2027")
    assert "Φεβρουάριος 2027 ›" not in maria.labels()
    days = [c.label for c in maria.screen.choices() if c.id and c.id.startswith("day:20")]
    # Not 1 January (New Year's Day) nor 6 January (Epiphany); the window ends on the 14th.
    assert days == ["4", "5", "7", "8", "11", "12", "13", "14"]
    await maria.press("‹ Δεκέμβριος 2026")
    assert maria.text.startswith("Δεκέμβριος 2026")


async def test_documents_acknowledgement_only_yes_continues(dialog):
    maria = Citizen(dialog)
    await up_to_the_details(maria)
    for answer in ("Μαρία Παπαδάκη", "maria@example.com", "6912345678", "Θέμα άδειας"):
        await maria.type(answer)
    await maria.press("Δεν έχω")
    await maria.press("Όχι")
    assert maria.step == "docs"
    await maria.press("ΟΧΙ")
    assert maria.step == "docs"
    assert "χρειάζεται τα δικαιολογητικά" in maria.text
    await maria.type("ναι")
    assert maria.step == "consent"
    await maria.type("όχι")
    assert maria.step == "consent"
    assert "μόνο αν αποδεχτείτε" in maria.text


async def test_change_something_from_the_summary_and_come_back(dialog, storage):
    maria = Citizen(dialog)
    await book_video_call(maria, third_person=False)
    await maria.press("Νέα κράτηση")
    assert maria.step == "mode"
    await maria.press("Ραντεβού με τηλεδιάσκεψη")
    await maria.press("Πολεοδομικός")
    await maria.press_first_day()
    await maria.press_first_time()
    await maria.press("Οποιοσδήποτε")
    assert maria.step == "contact"  # a returning citizen: saved details in one tap
    assert "maria@example.com" in maria.text
    await maria.press("Ναι, αυτά")
    assert maria.step == "subject"
    await maria.type("Ρυμοτομική γραμμή")
    await maria.press("Δεν έχω")
    await maria.press("Όχι")
    await maria.press("ΝΑΙ")
    await maria.press("Συμφωνώ")
    await maria.press("Αλλαγή κάποιου στοιχείου")
    await maria.press("E-mail")
    assert maria.step == "email"
    await maria.type("maria.p@example.com")
    assert maria.step == "summary"
    assert "E-mail: maria.p@example.com" in maria.text
    await maria.press("Αλλαγή κάποιου στοιχείου")
    await maria.press("Ημέρα και ώρα")
    assert maria.step == "day"
    await maria.press_first_day()
    await maria.press_first_time()
    assert maria.step == "staff"  # a new time may have other staff free
    await maria.press("Οποιοσδήποτε")
    assert maria.step == "summary"
    await maria.press("Επιβεβαίωση κράτησης")
    assert len(await upcoming_bookings(maria.identity, storage, NOW)) == 2


async def test_a_time_taken_meanwhile_is_explained_and_other_times_shown(storage):
    first, second = Citizen(make_dialog(storage)), Citizen(make_dialog(storage), user_id="2")
    for citizen in (first, second):
        await citizen.type("/book")
        await citizen.press("Ραντεβού με φυσική παρουσία")
        await citizen.press("Αυθαίρετα")
        await citizen.press_first_day()
        await citizen.press_first_time()
        await citizen.press("Ελένη Μαρκάκη")
        for answer in (
            "Πρόσωπο Δοκιμής",
            f"p{citizen.user_id}@example.com",
            "6912345678",
            "Θέμα δοκιμής",
        ):
            await citizen.type(answer)
        await citizen.press("Δεν έχω")
        await citizen.press("Συμφωνώ")
    await first.press("Επιβεβαίωση κράτησης")
    assert first.step == "booking"
    await second.press("Επιβεβαίωση κράτησης")
    assert second.step == "time"
    assert "μόλις κλείστηκε από κάποιον άλλον" in second.text
    assert await count_bookings(storage) == 1
    await second.press("« Πίσω")  # not to the summary, whose time is gone: to the days
    assert second.step == "day"
    assert "κάτι πήγε στραβά" not in second.text
    await second.press_first_day()
    await second.press_first_time()
    assert second.step == "staff"


async def test_a_button_from_an_earlier_screen_is_answered_and_the_step_shown_again(dialog):
    maria = Citizen(dialog)
    await maria.type("/book")
    await maria.press("Ραντεβού με τηλεδιάσκεψη")
    await maria.press("Οικοδομικές Άδειες")
    await maria.press_id("mode:in_person")
    assert "ανήκει σε προηγούμενο μήνυμα" in maria.text
    assert maria.step == "day"
    await maria.press_id("time:0")
    assert maria.step == "day"


async def test_a_restart_between_two_steps_continues_where_the_citizen_was(storage):
    maria = Citizen(make_dialog(storage))
    await maria.type("/book")
    await maria.press("Ραντεβού με τηλεδιάσκεψη")
    maria.dialog = make_dialog(storage)  # a new process, the same database
    await maria.press("Οικοδομικές Άδειες")
    assert maria.step == "day"


async def test_two_events_at_once_from_one_citizen_are_handled_one_after_the_other(dialog):
    maria = Citizen(dialog)
    await maria.type("/book")
    await maria.press("Ραντεβού με τηλεδιάσκεψη")
    identity = maria.identity
    first, second = await asyncio.gather(
        dialog.handle(Event(identity, text="3")),  # Οικοδομικές Άδειες
        dialog.handle(Event(identity, text="3")),  # then: the third choice of the calendar
    )
    assert first[-1].step == "day"
    assert second[-1].step == "time"  # the second was read on the state the first left


async def test_state_is_small_json_saved_after_every_event(dialog, storage):
    maria = Citizen(dialog)
    await book_video_call(maria)
    await maria.press("Νέα κράτηση")
    await maria.press("Ραντεβού με τηλεδιάσκεψη")
    async with storage.engine.connect() as connection:
        stored = (await connection.execute(select(conversations.c.state))).scalar_one()
    assert json.loads(stored)["step"] == "service"
    await book_video_call(maria, nth_time=3, confirm=False)  # at the summary: every answer held
    async with storage.engine.connect() as connection:
        stored = (await connection.execute(select(conversations.c.state))).scalar_one()
    state = json.loads(stored)
    assert state["answers"]["third_email"] == "nikos@example.com"
    assert len(stored.encode()) <= 1024, len(stored.encode())


async def test_english_for_a_citizen_whose_language_is_not_greek(dialog):
    anna = Citizen(dialog, user_id="3003", language_hint="de")
    await anna.type("/start")
    assert "What would you like to do?" in anna.text
    await anna.press("Language / Γλώσσα")
    await anna.press("Ελληνικά")
    assert "Τι θέλετε να κάνετε;" in anna.text


async def test_staff_names_in_latin_letters_to_english_speakers(dialog):
    anna = Citizen(dialog, user_id="3004", language_hint="en")
    await anna.type("/book")
    await anna.press("Appointment in person")
    await anna.press("Unauthorised Constructions")
    await anna.press_first_day()
    await anna.press_first_time()
    assert "Eleni Markaki" in anna.labels()
    assert not any("Ελένη" in label for label in anna.labels())
    await anna.press("Eleni Markaki")
    for answer in ("Anna Schmidt", "anna@example.com", "+4915112345678", "A question"):
        await anna.type(answer)
    await anna.press("I don't have one")
    await anna.press("I agree")
    assert "Eleni Markaki" in anna.text


async def test_times_in_the_citizens_zone_with_greek_time_beside(dialog):
    john = Citizen(dialog, user_id="4004", language_hint="en")
    await john.type("/timezone")
    await john.press("Europe/London")
    assert "Times will be shown in London time." in john.text  # a place, not a code name
    await john.press("New booking")
    await john.press("Appointment in person")
    await john.press("Building Permits")
    await john.press_first_day()
    assert "06:30 (Greece 08:30)" in john.labels()
    await john.type("06:30")
    assert john.step == "staff"


async def test_list_reschedule_and_cancel_from_the_chat(dialog, storage):
    maria = Citizen(dialog)
    await book_video_call(maria)
    [booking] = await upcoming_bookings(maria.identity, storage, NOW)
    await maria.press("Αρχικό μενού")
    await maria.press("Οι κρατήσεις μου")
    await maria.press("Τετ 2 Δεκ, 08:30")
    await maria.press("Προγραμματισμός εκ νέου")
    assert maria.step == "day"
    await maria.type("Πέμπτη")
    await maria.type("10:00")
    await maria.press("Οποιοσδήποτε")
    assert maria.step == "summary"
    await maria.press("Επιβεβαίωση νέας ώρας")
    assert "Το ραντεβού σας μεταφέρθηκε." in maria.text
    [moved] = await upcoming_bookings(maria.identity, storage, NOW)
    assert moved.reference == booking.reference
    assert moved.starts_at == athens(date(2026, 12, 3), "10:00")
    await maria.press("Ακύρωση κράτησης")
    assert "Η ακύρωση δεν αναιρείται" in maria.text
    await maria.press("Όχι, να μείνει")
    assert maria.step == "booking"
    await maria.press("Ακύρωση κράτησης")
    await maria.press("Ναι, ακύρωση")
    assert f"Η κράτηση {booking.reference} ακυρώθηκε." in maria.text
    assert await upcoming_bookings(maria.identity, storage, NOW) == []


async def test_no_reschedule_inside_the_notice_period(storage):
    maria = Citizen(make_dialog(storage))
    await book_video_call(maria)
    the_day_itself = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
    maria.dialog = make_dialog(storage, now=the_day_itself)
    await maria.type("/mybookings")
    await maria.press("Τετ 2 Δεκ")
    await maria.press("Προγραμματισμός εκ νέου")
    assert "πολύ κοντά για να αλλάξει" in maria.text
    assert maria.step == "booking"


async def test_the_limit_of_active_bookings_is_explained(dialog, storage):
    maria = Citizen(dialog)
    for nth in range(3):
        await book_video_call(maria, third_person=False, nth_time=2 * nth)
    assert len(await upcoming_bookings(maria.identity, storage, NOW)) == 3
    await book_video_call(maria, third_person=False, nth_time=6)
    assert "Έχετε ήδη 3 ενεργές κρατήσεις" in maria.text
    assert maria.step == "menu"
    assert len(await upcoming_bookings(ChannelIdentity("telegram", "1001"), storage, NOW)) == 3


async def test_book_again_after_an_office_cancellation_starts_at_the_days(dialog):
    maria = Citizen(dialog, user_id="4101")
    await maria.type("/start")
    await maria.press_id("nav:rebook:permits:video_call")  # the notice's button
    assert maria.step == "day"
    await maria.press("« Πίσω")
    assert maria.step == "service"
    await maria.press("« Πίσω")
    assert maria.step == "mode"


async def test_a_sentence_naming_the_mode_and_service_starts_the_booking_at_the_days(dialog):
    maria = Citizen(dialog, user_id="3005")
    await maria.type("/start")
    await maria.type("Θέλω ραντεβού με τηλεδιάσκεψη για αυθαίρετα")
    assert maria.step == "day"
    assert maria.text.startswith(
        "Κατάλαβα: Ραντεβού με τηλεδιάσκεψη · Υπηρεσία Δόμησης – Αυθαίρετα."
    )
    await maria.press("« Πίσω")  # the screens skipped can still be reached, to change them
    assert maria.step == "service"
    await maria.press("« Πίσω")
    assert maria.step == "mode"


@pytest.mark.parametrize(
    ("said", "language", "greeted"),
    [("Καλημέρα σας!", "el", "Καλώς ήρθατε!"), ("Hello", "en", "Welcome!")],
)
async def test_a_greeting_at_the_menu_is_greeted_back_not_refused(
    dialog: Dialog, said: str, language: str, greeted: str
):
    eleni = Citizen(dialog, user_id="2090", language_hint=language)
    await eleni.type("/start")
    await eleni.type(said)
    assert eleni.step == "menu"
    assert eleni.text.startswith(greeted)
    refused = "Παρακαλούμε επιλέξτε" if language == "el" else "Please choose"
    assert refused not in eleni.text
