"""An answer the dialog is not sure of is asked back in one short question («Εννοείτε …;»):
nothing is taken before the yes, a no asks the step again, Back returns to it, and another
answer typed instead is taken as that step's answer."""

from __future__ import annotations

import json

from sqlalchemy import select

from dialogs.engine import Dialog
from integrations.db.storage import SqlStorage
from integrations.db.tables import conversations
from tests.driver import Citizen
from tests.integration.test_dialog import count_bookings, dialog, make_dialog, storage

__all__ = ("dialog", "storage")


async def at_the_days(citizen: Citizen) -> None:
    await citizen.type("/book")
    await citizen.press("Ραντεβού με φυσική παρουσία")
    await citizen.press("Αυθαίρετα")
    assert citizen.step == "day"


async def answers(storage: SqlStorage) -> dict[str, object]:
    async with storage.engine.connect() as connection:
        state = (await connection.execute(select(conversations.c.state))).scalar_one()
    return dict(json.loads(state)["answers"])


async def test_a_day_and_hour_in_one_sentence_are_asked_back_and_taken_on_yes(
    dialog: Dialog, storage: SqlStorage
):
    maria = Citizen(dialog)
    await at_the_days(maria)
    await maria.type("Τετάρτη στις 10")
    assert maria.step == "ask"
    assert maria.text == "Εννοείτε Τετάρτη 2 Δεκεμβρίου, στις 10:00;"
    assert maria.labels()[:2] == ["Ναι", "Όχι"]
    assert "day" not in await answers(storage)  # nothing taken before the yes
    await maria.press("Ναι")
    assert maria.step == "staff"
    stored = await answers(storage)
    assert stored["day"] == "2026-12-02"
    await maria.press("« Πίσω")  # Back walks the screens: the time, then the days
    assert maria.step == "time"
    await maria.press("« Πίσω")
    assert maria.step == "day"


async def test_no_asks_the_same_step_again_and_back_returns_to_it(dialog, storage):
    maria = Citizen(dialog)
    await at_the_days(maria)
    await maria.type("Παρασκευή 15")  # the 15th is a Tuesday
    assert maria.text == "Εννοείτε Τρίτη 15 Δεκεμβρίου;"
    await maria.type("όχι")
    assert maria.step == "day"
    assert maria.text.startswith("Εντάξει. Διαλέξτε από τα παρακάτω")
    assert "day" not in await answers(storage)
    await maria.type("Παρασκευή 15")
    await maria.press("« Πίσω")
    assert maria.step == "day"
    assert "day" not in await answers(storage)


async def test_another_answer_typed_instead_of_yes_or_no_is_the_steps_answer(dialog, storage):
    maria = Citizen(dialog)
    await at_the_days(maria)
    await maria.type("Παρασκευή 15")
    await maria.type("αύριο")
    assert maria.step == "time"
    assert (await answers(storage))["day"] == "2026-12-02"


async def test_a_misspelt_choice_is_asked_back_never_taken_as_it_is(dialog, storage):
    maria = Citizen(dialog)
    await maria.type("/book")
    await maria.press("Ραντεβού με φυσική παρουσία")
    await maria.type("αυθερετα")
    assert maria.text == "Εννοείτε «Αυθαίρετα (20 λεπτά)»;"
    assert "service" not in await answers(storage)
    await maria.type("ναι")
    assert maria.step == "day"
    assert (await answers(storage))["service"] == "unauthorised"


async def test_a_taken_time_offers_the_nearest_free_one(storage):
    first, second = Citizen(make_dialog(storage)), Citizen(make_dialog(storage), user_id="2")
    for citizen in (first, second):
        await at_the_days(citizen)
        await citizen.type("αύριο")
    await first.type("10:00")
    assert first.step == "staff"
    await first.press("Ελένη Μαρκάκη")
    for answer in ("Πρόσωπο Δοκιμής", "p1@example.com", "6912345678", "Θέμα δοκιμής"):
        await first.type(answer)
    await first.press("Δεν έχω")
    await first.press("Συμφωνώ")
    await first.press("Επιβεβαίωση κράτησης")
    assert await count_bookings(storage) == 1
    await second.type("10:00")  # both staff members are free at 10:00: still offered
    assert second.step == "staff"
    await second.press("« Πίσω")
    await second.type("10:05")
    assert second.text == "Η ώρα 10:05 δεν είναι ελεύθερη. Θέλετε την πιο κοντινή, 10:00;"
    await second.press("Ναι")
    assert second.step == "staff"


async def test_a_closed_day_offers_the_nearest_open_day(dialog):
    maria = Citizen(dialog)
    await at_the_days(maria)
    await maria.type("Σάββατο 5/12")
    assert maria.text == (
        "Δεν υπάρχουν ελεύθερες ώρες: Σάββατο 5 Δεκεμβρίου. Θέλετε την πιο κοντινή μέρα που "
        "έχει, Δευτέρα 7 Δεκεμβρίου;"
    )
    await maria.press("Ναι")
    assert maria.step == "time"
    assert "Δευτέρα 7 Δεκεμβρίου" in maria.text


async def test_a_time_taken_between_the_question_and_the_yes_is_explained(storage):
    maria = Citizen(make_dialog(storage))
    await at_the_days(maria)
    await maria.type("Τετάρτη στις 8:30")
    assert maria.step == "ask"
    for user in range(2, 6):  # others take 08:30 on Wednesday with every clerk there is
        other = Citizen(make_dialog(storage), user_id=str(user))
        await at_the_days(other)
        await other.type("αύριο")
        await other.type("8:30")
        if other.step != "staff":
            break
        await other.press("Οποιοσδήποτε")
        for answer in ("Πρόσωπο Δοκιμής", f"p{user}@example.com", "6912345678", "Θέμα"):
            await other.type(answer)
        await other.press("Δεν έχω")
        await other.press("Συμφωνώ")
        await other.press("Επιβεβαίωση κράτησης")
    assert await count_bookings(storage) >= 1
    await maria.press("Ναι")
    assert maria.step == "time"  # the day is taken, the time refused with its reason
    assert "μόλις κλείστηκε από κάποιον άλλον" in maria.text
    assert "08:30" not in maria.labels()
