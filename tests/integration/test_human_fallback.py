"""When the chat cannot help, a person can: the office's phone and hours from the configuration,
in Help, after three answers refused in a row at one step, and wherever the chat says to call."""

from __future__ import annotations

from dialogs.engine import Dialog
from tests.driver import Citizen
from tests.integration.test_dialog import CHANIA, dialog, storage

__all__ = ("dialog", "storage")  # the fixtures, on SQLite

PHONE = CHANIA.municipalities[0].office_phone


async def test_help_gives_the_offices_phone_and_hours(dialog: Dialog):
    maria = Citizen(dialog)
    await maria.type("βοήθεια")
    assert PHONE
    assert f"τηλεφωνήστε στην υπηρεσία στο {PHONE} (Δευτέρα έως Παρασκευή" in maria.text


async def test_the_third_refusal_in_a_row_offers_a_person(dialog: Dialog):
    maria = Citizen(dialog)
    await maria.type("/book")
    for attempt in range(1, 4):
        await maria.type("κάτι ακατανόητο")
        assert maria.step == "mode"
        assert (PHONE in maria.text) is (attempt == 3), attempt
    await maria.type("κάτι ακατανόητο")  # counted again from the start
    assert PHONE not in maria.text


async def test_an_english_speaker_is_given_the_phone_in_english(dialog: Dialog):
    john = Citizen(dialog, user_id="2001", language_hint="en")
    await john.type("help")
    assert f"call the office on {PHONE} (Monday to Friday, 08:00–14:30)" in john.text
