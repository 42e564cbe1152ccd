"""Each channel's own wording: the terminal speaks of typing, Viber of buttons without slash
commands (it has none), Telegram of buttons and commands."""

from __future__ import annotations

import pytest

from dialogs.engine import Dialog
from tests.driver import Citizen
from tests.integration.test_dialog import dialog, storage

__all__ = ("dialog", "storage")  # the fixtures, on SQLite


@pytest.mark.parametrize(
    ("channel", "says", "never"),
    [
        ("console", "Γράψτε τον αριθμό μιας επιλογής", ("Πατήστε", "/book")),
        ("viber", "Πατήστε ένα κουμπί ή γράψτε", ("/book", "/mybookings", "αριθμό")),
        ("telegram", "/mybookings για τις κρατήσεις σας", ()),
    ],
)
async def test_help_speaks_of_what_the_channel_has(
    dialog: Dialog, channel: str, says: str, never: tuple[str, ...]
):
    citizen = Citizen(dialog, channel=channel)
    await citizen.type("βοήθεια")
    assert says in citizen.text
    assert all(word not in citizen.text for word in never)


async def test_a_refusal_on_viber_does_not_speak_of_numbers(dialog: Dialog):
    eleni = Citizen(dialog, channel="viber")
    await eleni.type("/book")
    await eleni.type("κάτι άλλο")
    assert "Παρακαλούμε πατήστε ένα από τα κουμπιά" in eleni.text
    assert "αριθμό" not in eleni.text
