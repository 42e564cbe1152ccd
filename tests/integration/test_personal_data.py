"""A citizen's rights from the chat: the privacy notice, what is kept (/mydata, a message and a
JSON file), erasing it (/forgetme), and the declaration they accepted kept word for word."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dialogs.engine import Dialog
from dialogs.privacy import declaration
from domain.model import Mode
from integrations.db.conversations import SqlConversationStore
from integrations.db.manage_tokens import SqlManageTokens
from integrations.db.storage import SqlStorage
from integrations.db.tables import (
    bookings,
    citizens,
    consent_texts,
    conversations,
    manage_tokens,
    outbox,
)
from tests.driver import Citizen
from tests.integration.test_dialog import CHANIA, NOW, book_video_call, make_dialog, storage

__all__ = ("storage",)  # the fixture, on SQLite


async def table(storage: SqlStorage, which: Any) -> list[Any]:
    async with storage.engine.connect() as connection:
        return list(await connection.execute(select(which)))


async def test_the_privacy_notice_reads_the_periods_from_the_configuration(storage: SqlStorage):
    first_visit = Citizen(make_dialog(storage), user_id="3003")
    await first_visit.type("/privacy")  # the very first message: greeting, then the notice
    assert "Υπεύθυνος επεξεργασίας: Δήμος Χανίων" in first_visit.text
    maria = Citizen(make_dialog(storage))
    await maria.type("/start")
    await maria.press("Προσωπικά δεδομένα")
    rules = CHANIA.municipalities[0].privacy
    assert maria.step == "privacy"
    assert "Υπεύθυνος επεξεργασίας: Δήμος Χανίων" in maria.text
    assert f"διαγράφονται {rules.keep_appointments_days} ημέρες μετά" in maria.text
    assert f"{rules.keep_idle_conversations_days} ημέρες μετά το τελευταίο σας μήνυμα" in maria.text
    assert rules.data_protection_officer in maria.text
    assert {"Τι κρατάτε για μένα", "Διαγραφή των στοιχείων μου"} <= set(maria.labels())
    await maria.type("/privacy")  # typed, the same screen
    assert maria.step == "privacy"


async def test_the_consent_links_to_the_notice_and_an_in_person_one_has_no_video_clauses(
    storage: SqlStorage,
):
    dialog = Dialog(
        CHANIA,
        storage,
        SqlConversationStore(storage.engine),
        clock=lambda: NOW,
        privacy_url="https://rantevou.chania.gr/privacy",
    )
    giorgos = Citizen(dialog, user_id="2002")
    await giorgos.type("/book")
    await giorgos.press("Ραντεβού με φυσική παρουσία")
    await giorgos.press("Αυθαίρετα")
    await giorgos.press_first_day()
    await giorgos.press_first_time()
    await giorgos.press("Οποιοσδήποτε")
    for answer in ("Γιώργος Βλάχος", "giorgos@example.com", "6987654321", "Αποθήκη", "Δεν έχω"):
        await giorgos.type(answer)
    assert giorgos.step == "consent"
    assert "τηλεδιάσκεψ" not in giorgos.text
    assert "https://rantevou.chania.gr/privacy?lang=el" in giorgos.text
    await giorgos.press("Τι κρατάμε και για πόσο")
    assert giorgos.step == "consent"  # the notice, then the same question again
    assert "Νομική βάση" in giorgos.text
    await giorgos.press("Συμφωνώ")
    await giorgos.press("Επιβεβαίωση κράτησης")
    (kept,) = await table(storage, consent_texts)
    in_person = declaration(Mode.IN_PERSON)
    assert (kept.text_hash, kept.el, kept.en) == (in_person.text_hash, in_person.el, in_person.en)
    (booking,) = await table(storage, bookings)
    assert booking.consent_version == f"el-{in_person.text_hash}"


async def test_mydata_shows_everything_kept_and_sends_it_as_a_file(storage: SqlStorage):
    maria = Citizen(make_dialog(storage))
    await book_video_call(maria)
    screen = await maria.type("/mydata")
    assert maria.step == "privacy"
    for shown in ("Μαρία Παπαδάκη", "maria@example.com", "+306912345678", "Επόμενα ραντεβού: 1"):
        assert shown in maria.text
    assert "Υπεύθυνος επεξεργασίας" not in maria.text  # the notice is not repeated below it
    assert screen.attachment is not None
    kept = json.loads(screen.attachment.content)
    assert kept["citizen"]["email"] == "maria@example.com"
    assert kept["citizen"]["language"] == "el"
    (booked,) = kept["bookings"]
    assert booked["subject"] == "Έλεγχος φακέλου οικοδομικής άδειας"
    assert booked["third_person"] == {"full_name": "Νίκος Μηχανικός", "email": "nikos@example.com"}
    video = declaration(Mode.VIDEO_CALL)
    assert booked["consent_version"] == f"el-{video.text_hash}"
    assert kept["declarations"][video.text_hash] == {"el": video.el, "en": video.en}


async def test_mydata_for_someone_unknown_says_nothing_is_kept(storage: SqlStorage):
    stranger = Citizen(make_dialog(storage), user_id="999")
    screen = await stranger.type("/mydata")
    assert "Δεν κρατάμε στοιχεία για εσάς· μόνο το σημείο της συνομιλίας" in stranger.text
    assert screen.attachment is None


async def test_forgetme_cancels_the_upcoming_booking_and_erases_the_rest(storage: SqlStorage):
    dialog = make_dialog(storage)
    maria = Citizen(dialog)
    await book_video_call(maria)
    (booking,) = await table(storage, bookings)
    await SqlManageTokens(storage.engine).issue(booking.id, NOW)
    await maria.type("/forgetme")
    assert maria.step == "forgetme"
    assert "Τα επόμενα ραντεβού σας (1) θα ακυρωθούν" in maria.text
    await maria.press("Όχι")
    assert maria.step == "privacy"
    assert (await table(storage, bookings))[0].status == "active"

    await maria.press("Διαγραφή των στοιχείων μου")
    await maria.press("Ναι, διαγραφή")

    assert booking.reference in maria.text
    assert "Έγινε. Διαγράψαμε:" in maria.text
    (cancelled,) = await table(storage, bookings)
    assert cancelled.status == "cancelled"
    assert cancelled.erase_requested_at == NOW
    kinds = {r.kind for r in await table(storage, outbox) if r.change == "cancelled"}
    assert {"staff_ping", "citizen_email"} <= kinds  # told as any cancellation
    assert await table(storage, conversations) == []
    assert await table(storage, manage_tokens) == []
    (record,) = await table(storage, citizens)  # kept until the cancellation e-mail goes
    assert (record.full_name, record.email, record.phone) == (None, None, None)

    await maria.type("/start")  # a new start, with nothing of before
    await maria.type("/mydata")
    assert "Επόμενα ραντεβού: 0" in maria.text
    assert "Μαρία" not in maria.text


async def test_forgetme_after_the_appointment_erases_it_at_once(storage: SqlStorage):
    maria = Citizen(make_dialog(storage))
    await book_video_call(maria)
    async with storage.engine.begin() as connection:  # the worker sent what was due
        await connection.execute(
            outbox.update().where(outbox.c.kind.not_like("%reminder")).values(status="done")
        )
    later = make_dialog(storage, NOW + timedelta(days=3))
    maria.dialog = later
    await maria.type("/forgetme")
    await maria.press("Ναι, διαγραφή")
    assert "τα στοιχεία σας από 1 ραντεβού" in maria.text
    (erased,) = await table(storage, bookings)
    assert (erased.full_name, erased.email, erased.citizen_id) == ("", "", None)
    assert await table(storage, citizens) == []


async def test_a_declaration_changed_since_it_was_accepted_is_asked_again(storage: SqlStorage):
    """A new version deployed between the consent and the Confirm: the booking is not made
    under words the citizen never read."""
    maria = Citizen(make_dialog(storage))
    await book_video_call(maria, confirm=False)
    async with storage.engine.begin() as connection:
        (row,) = list(await connection.execute(select(conversations)))
        state = json.loads(row.state)
        state["answers"]["consent"] = "el-0000000000000000"  # what an older text hashed to
        await connection.execute(conversations.update().values(state=json.dumps(state)))
    await maria.press("Επιβεβαίωση κράτησης")
    assert maria.step == "consent"
    assert "Το κείμενο της δήλωσης άλλαξε" in maria.text
    assert await table(storage, bookings) == []
    await maria.press("Συμφωνώ")
    await maria.press("Επιβεβαίωση κράτησης")
    (booking,) = await table(storage, bookings)
    assert booking.consent_version == declaration(Mode.VIDEO_CALL).version("el")


async def test_a_long_history_is_summed_up_in_one_message_and_all_of_it_is_in_the_file(
    storage: SqlStorage,
):
    maria = Citizen(make_dialog(storage))
    await book_video_call(maria)
    (booking,) = await table(storage, bookings)
    async with storage.engine.begin() as connection:
        for number in range(1, 31):  # thirty past appointments
            values = {c: getattr(booking, c) for c in booking._fields if c != "id"}
            shift = timedelta(days=7 * number)
            values |= {
                "reference": f"XAN-P{number:04d}",
                "starts_at": booking.starts_at - shift,
                "ends_at": booking.ends_at - shift,
                "busy_until": booking.busy_until - shift,
                "request_key": None,
            }
            await connection.execute(bookings.insert().values(values))
    screen = await maria.type("/mydata")
    assert "Προηγούμενα ή ακυρωμένα ραντεβού: 30" in maria.text
    assert "…και άλλα 22, στο αρχείο" in maria.text
    assert len(maria.text) < 4096  # one Telegram message
    assert screen.attachment is not None
    assert len(json.loads(screen.attachment.content)["bookings"]) == 31
