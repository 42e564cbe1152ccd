"""What citizens type at each step, in Greek and English, and what it must mean: a table shared by
the test (no misreading, ever) and the benchmark (the share understood, `bench/understanding`).

Each phrase is sent to the transport-free dialog at its step, from a fresh conversation, and what
the dialog did is read back as a meaning: the answer stored, the step it moved to, or ASKED
(the same step again with a reason, nothing stored). A phrase whose expected meaning is ASKED
must be asked back; any other meaning than the expected one is a misreading.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from dialogs.engine import Dialog
from domain.model import ChannelIdentity
from domain.use_cases import upcoming_bookings
from integrations.db.storage import SqlStorage
from integrations.db.tables import conversations
from tests.driver import Citizen
from tests.integration.test_dialog import NOW

ATHENS = ZoneInfo("Europe/Athens")
ASKED = "asked"
MOVED_TO = "step:"


@dataclass(frozen=True)
class Case:
    step: str
    typed: str
    means: str
    language: str = "el"
    gap: bool = False
    """Not understood yet (asked back instead): counted, never misread, kept to be closed."""
    confirmed: bool = False
    """It must be asked back first («Εννοείτε …;»); the citizen says yes, and then it means
    `means`. Taken without asking, it is a misreading."""


CASES = [
    # the menu
    Case("menu", "ραντεβού", MOVED_TO + "mode"),
    Case("menu", "Θέλω να κλείσω ραντεβού για αυθαίρετα", MOVED_TO + "mode"),
    Case("menu", "νέα κράτηση", MOVED_TO + "mode"),
    Case("menu", "τα ραντεβού μου", MOVED_TO + "mine"),
    Case("menu", "Οι κρατήσεις μου", MOVED_TO + "mine"),
    Case("menu", "1", MOVED_TO + "mode"),
    Case("menu", "book", MOVED_TO + "mode", "en"),
    Case("menu", "my bookings", MOVED_TO + "mine", "en"),
    Case("menu", "καλημέρα", ASKED),
    Case("menu", "ραντεβού με τηλεδιάσκεψη για αυθαίρετα", MOVED_TO + "day"),
    Case("menu", "θέλω να έρθω στο γραφείο για οικοδομική άδεια", MOVED_TO + "day"),
    Case("menu", "νέα κράτηση με φυσική παρουσία", MOVED_TO + "service"),
    Case("menu", "book a video call about building permits", MOVED_TO + "day", "en"),
    # the mode
    Case("mode", "φυσική παρουσία", "in_person"),
    Case("mode", "Φυσική Παρουσία", "in_person"),
    Case("mode", "τηλεδιάσκεψη", "video_call"),
    Case("mode", "με βίντεο", "video_call"),
    Case("mode", "θα έρθω από κοντά", "in_person"),
    Case("mode", "ραντεβού", ASKED),
    Case("mode", "video call", "video_call", "en"),
    Case("mode", "in person", "in_person", "en"),
    Case("mode", "ναι", ASKED),
    Case("mode", "θέλω να έρθω στο γραφείο", "in_person"),
    Case("mode", "online", "video_call"),
    Case("mode", "τηλεδιασκεψι", "video_call"),  # a word's ending: its stem is enough
    Case("mode", "τιλεδιάσκεψη", "video_call", confirmed=True),  # misspelt: asked back
    # the service
    Case("service", "Αυθαίρετα", "unauthorised"),
    Case("service", "αυθαίρετο", "unauthorised"),
    Case("service", "για ένα αυθαίρετο", "unauthorised"),
    Case("service", "οικοδομική άδεια", "permits"),
    Case("service", "άδεια", "permits"),
    Case("service", "πολεοδομία", "planning"),
    Case("service", "υπηρεσία", ASKED),
    Case("service", "για την άδεια του σπιτιού μου", "permits"),
    Case("service", "τακτοποίηση αυθαιρέτου", "unauthorised"),
    Case("service", "building permits", "permits", "en"),
    Case("service", "town planning", "planning", "en"),
    Case("service", "unauthorised constructions", "unauthorised", "en"),
    Case("service", "αυθερετα", "unauthorised", confirmed=True),  # misspelt: asked back
    Case("service", "πολαιοδομία", "planning", gap=True),  # too far from «Πολεοδομικός»
    Case("service", "planing", "planning", "en", confirmed=True),
    # the day (today is Tuesday 1 December 2026; Wednesday 2 is the first bookable day)
    Case("day", "15", "2026-12-15"),
    Case("day", "15 του μήνα", "2026-12-15"),
    Case("day", "μεθαύριο", "2026-12-03"),
    Case("day", "αύριο", "2026-12-02"),
    Case("day", "την πρώτη διαθέσιμη", "2026-12-02"),
    Case("day", "first available", "2026-12-02", "en"),
    Case("day", "την άλλη Τρίτη", "2026-12-08"),
    Case("day", "Τρίτη 15", "2026-12-15"),
    Case("day", "σε δύο εβδομάδες", "2026-12-15"),
    Case("day", "15/12", "2026-12-15"),
    Case("day", "την Πέμπτη", "2026-12-03"),
    Case("day", "Πέμπτη 10 Δεκεμβρίου", "2026-12-10"),
    Case("day", "32/12", ASKED),
    Case("day", "1/13", ASKED),
    Case("day", "7 Δεκέμβρη", "2026-12-07"),
    Case("day", "Δευτέρα 7/12", "2026-12-07"),
    Case("day", "Τετάρτη στις 10", "2026-12-02 10:00", confirmed=True),
    Case("day", "Πέμπτη 10 Δεκεμβρίου στις 11", "2026-12-10 11:00", confirmed=True),
    Case("day", "αύριο, 10:30", "2026-12-02 10:30", confirmed=True),
    Case("day", "Παρασκευή 15", "2026-12-15", confirmed=True),  # the 15th is a Tuesday
    Case("day", "Σάββατο 5/12", "2026-12-07", confirmed=True),  # closed: the Monday after
    Case("day", "tomorrow at 9", "2026-12-02 09:00", "en", confirmed=True),
    Case("day", "Friday 15", "2026-12-15", "en", confirmed=True),
    Case("day", "κάποια μέρα την επόμενη εβδομάδα", ASKED),
    Case("day", "next Monday", "2026-12-07", "en"),
    Case("day", "Tuesday the 15th", "2026-12-15", "en"),
    Case("day", "December 15", "2026-12-15", "en"),
    Case("day", "tomorrow", "2026-12-02", "en"),
    Case("day", "15/12", "2026-12-15", "en"),
    # the time (on Wednesday 2 December)
    Case("time", "10", "10:00"),
    Case("time", "όσο πιο νωρίς γίνεται", "08:30"),
    Case("time", "στις 10", "10:00"),
    Case("time", "10 και μισή", "10:30"),
    Case("time", "10:30", "10:30"),
    Case("time", "10.30", "10:30"),
    Case("time", "9 και τέταρτο", "09:15"),
    Case("time", "11 παρά τέταρτο", "10:45"),
    Case("time", "2 μ.μ.", "14:00"),
    Case("time", "2", "14:00"),
    Case("time", "το πρωί", ASKED),
    Case("time", "25:00", ASKED),
    Case("time", "δέκα", "10:00"),
    Case("time", "στις δέκα και μισή", "10:30"),
    Case("time", "10 το πρωί", "10:00"),
    Case("time", "12 το μεσημέρι", "12:00"),
    Case("time", "μετά τις 12", ASKED),
    Case("time", "10μμ", ASKED),  # ten at night: the office is closed
    Case("time", "10am", "10:00", "en"),
    Case("time", "half past ten", "10:30", "en"),
    Case("time", "quarter to eleven", "10:45", "en"),
    Case("time", "2 pm", "14:00", "en"),
    Case("time", "at 9:15", "09:15", "en"),
    Case("time", "10:10", "10:15", confirmed=True),  # no such time: the nearest, asked back
    Case("time", "στις 10 και 10", "10:15", confirmed=True),
    Case("time", "11 παρά είκοσι", "10:45", confirmed=True),
    Case("time", "έντεκα παρά τέταρτο", "10:45"),
    # the staff member
    Case("staff", "όχι", "any"),
    Case("staff", "οποιοσδήποτε", "any"),
    Case("staff", "δεν με νοιάζει", "any"),
    Case("staff", "ναι", ASKED),
    Case("staff", "όποιος είναι διαθέσιμος", "any"),
    Case("staff", "anyone", "any", "en"),
    Case("staff", "no", "any", "en"),
    # the subject: the words themselves, never a yes or a no
    Case("subject", "Έλεγχος φακέλου", "Έλεγχος φακέλου"),
    Case("subject", "Χρειάζομαι βοήθεια για την άδεια", "Χρειάζομαι βοήθεια για την άδεια"),
    Case("subject", "ναι", ASKED),
    Case("subject", "όχι", ASKED),
    Case("subject", "δεν έχω", ASKED),
    Case("subject", "yes", ASKED, "en"),
    # the application number, which may be left out
    Case("appno", "όχι", "None"),
    Case("appno", "δεν έχω", "None"),
    Case("appno", "none", "None"),
    Case("appno", "1234/2026", "1234/2026"),
    Case("appno", "ναι", ASKED),
    Case("appno", "no", "None", "en"),
    # the third person
    Case("third", "ναι", "True"),
    Case("third", "όχι", "False"),
    Case("third", "Ναι", "True"),
    Case("third", "yes", "True", "en"),
    # the summary
    Case("summary", "ναι", "booked"),
    Case("summary", "επιβεβαίωση", "booked"),
    Case("summary", "Επιβεβαιώνω", "booked"),
    Case("summary", "αλλαγή", MOVED_TO + "change"),
    Case("summary", "confirm", "booked", "en"),
    Case("summary", "change", MOVED_TO + "change", "en"),
    Case("summary", "ίσως", ASKED),
    # a booking's screen
    Case("booking", "ακύρωση", MOVED_TO + "cancel"),
    Case("booking", "αλλαγή ώρας", MOVED_TO + "day"),
    Case("booking", "cancel", MOVED_TO + "cancel", "en"),
    # the time zone
    Case("timezone", "London", "Europe/London"),
    Case("timezone", "Λονδίνο", "Europe/London"),
    Case("timezone", "Νέα Υόρκη", "America/New_York"),
    Case("timezone", "Γερμανία", "Europe/Berlin"),
    Case("timezone", "Europe", ASKED),
    Case("timezone", "Ηνωμένες Πολιτείες", ASKED),
    Case("timezone", "London", "Europe/London", "en"),
]

Position = Callable[[Citizen], Awaitable[None]]
_users = itertools.count(50_000)


def _labels(language: str) -> dict[str, str]:
    if language == "en":
        return {
            "book": "New booking",
            "video": "Appointment by video call",
            "service": "Building Permits",
            "anyone": "Anyone",
            "yes_docs": "YES",
            "agree": "I agree",
            "confirm": "Confirm the booking",
            "no_number": "I don't have one",
            "no": "No",
        }
    return {
        "book": "Νέα κράτηση",
        "video": "Ραντεβού με τηλεδιάσκεψη",
        "service": "Οικοδομικές Άδειες",
        "anyone": "Οποιοσδήποτε",
        "yes_docs": "ΝΑΙ",
        "agree": "Συμφωνώ",
        "confirm": "Επιβεβαίωση κράτησης",
        "no_number": "Δεν έχω",
        "no": "Όχι",
    }


async def go_to(citizen: Citizen, step: str, language: str) -> None:
    """From a new conversation to `step`: a video call for building permits on Wednesday 2
    December at its first free time, with anyone, and the details typed."""
    words = _labels(language)
    await citizen.type("/start")
    if language == "en":
        await citizen.type("/language")
        await citizen.press("English")
    if step == "menu":
        return
    if step == "timezone":
        await citizen.type("/timezone")
        return
    await citizen.press(words["book"])
    if step == "mode":
        return
    await citizen.press(words["video"])
    if step == "service":
        return
    await citizen.press(words["service"])
    if step == "day":
        return
    await citizen.press_first_day()
    if step == "time":
        return
    await citizen.press_first_time()
    if step == "staff":
        return
    await citizen.press(words["anyone"])
    for answer in ("Μαρία Παπαδάκη", "maria@example.com", "6912345678"):
        await citizen.type(answer)
    if step == "subject":
        return
    await citizen.type("Έλεγχος φακέλου")
    if step == "appno":
        return
    await citizen.press(words["no_number"])
    if step == "third":
        return
    await citizen.press(words["no"])
    await citizen.press(words["yes_docs"])
    await citizen.press(words["agree"])
    if step == "summary":
        return
    await citizen.press(words["confirm"])
    assert step == "booking", step


async def meaning(citizen: Citizen, storage: SqlStorage, case: Case, before: str) -> str:
    """What the dialog made of the phrase."""
    state = await _state(storage, citizen.identity)
    step = citizen.step
    if case.step == "summary" and await upcoming_bookings(citizen.identity, storage, NOW):
        return "booked"
    if case.step == "timezone":
        async with storage.reading() as uow:
            record = await uow.citizens.get(citizen.identity)
        zone = record.time_zone if record else "Europe/Athens"
        return zone if step != "timezone" else ASKED
    answers = state.get("answers", {})
    time = (
        f"{datetime.fromtimestamp(answers['time'], UTC).astimezone(ATHENS):%H:%M}"
        if "time" in answers
        else None
    )
    if case.step == "day" and "day" in answers and step != "day":
        return f"{answers['day']} {time}" if time else answers["day"]
    answering = ("mode", "service", "staff", "subject", "appno", "third")
    if case.step in answering and case.step in answers and step != case.step:
        return str(answers[case.step]) if answers[case.step] != "" else "any"
    if case.step == "time" and time and step != "time":
        return time
    if step in (before, "ask"):  # the same step again, or asked back: nothing taken
        return ASKED
    return MOVED_TO + step


async def _state(storage: SqlStorage, identity: ChannelIdentity) -> dict[str, Any]:
    async with storage.engine.connect() as connection:
        row = (
            await connection.execute(
                select(conversations.c.state).where(
                    conversations.c.channel == identity.channel,
                    conversations.c.user_id == identity.user_id,
                )
            )
        ).one_or_none()
    return json.loads(row.state) if row else {}


async def try_case(dialog: Dialog, storage: SqlStorage, case: Case) -> str:
    citizen = Citizen(dialog, user_id=str(next(_users)), language_hint=case.language)
    await go_to(citizen, case.step, case.language)
    before = citizen.step
    assert before == case.step, (case, before)
    await citizen.type(case.typed)
    if not case.confirmed:
        return await meaning(citizen, storage, case, before)
    if citizen.step != "ask":
        return "taken without asking: " + await meaning(citizen, storage, case, before)
    await citizen.type("ναι" if case.language == "el" else "yes")
    return await meaning(citizen, storage, case, before)
