"""Each channel's own wording: the terminal speaks of typing, Viber of buttons without slash
commands (it has none), Telegram of buttons and commands."""

from __future__ import annotations

import pytest

from dialogs.engine import Dialog
from dialogs.screens import Event, Screen
from tests.driver import Citizen
from tests.integration.test_dialog import book_video_call, dialog, storage

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


PHONE_BUTTON = 40
"""Characters a phone shows on a full-width button before cutting it (Telegram's inline
keyboard and Viber's six-column button, at the default text size)."""


class Recording(Citizen):
    """Keeps every button label it was shown."""

    shown: set[tuple[str, str]]

    async def _send(self, event: Event) -> Screen:
        screen = await super()._send(event)
        self.shown = getattr(self, "shown", set()) | {
            (screen.step, c.label) for c in screen.choices()
        }
        return screen


@pytest.mark.parametrize("language", ["el", "en"])
async def test_every_button_fits_a_phone(dialog: Dialog, language: str):
    """A whole booking, the list and one booking's screen, the privacy screens, for a citizen
    in New York (whose times carry two zones)."""
    citizen = Recording(dialog, user_id=f"fits-{language}", language_hint=language)
    if language == "el":
        await book_video_call(citizen)
    else:
        await _book_in_english(citizen)
    await citizen.type("/timezone")
    await citizen.type("New York")
    await citizen.type("/mybookings")
    await citizen.press(citizen.labels()[0])
    await citizen.type("/privacy")
    await citizen.type("/forgetme")
    too_long = sorted({(step, label) for step, label in citizen.shown if len(label) > PHONE_BUTTON})
    assert len(citizen.shown) > 30  # the screens were seen
    assert not too_long


async def _book_in_english(citizen: Citizen) -> None:
    await citizen.type("/book")
    await citizen.press("Appointment by video call")
    await citizen.press("Unauthorised Constructions")
    await citizen.press_first_day()
    await citizen.press_first_time()
    await citizen.press("Anyone")
    for answer in ("Anna Schmidt", "anna@example.com", "+4915112345678", "A question"):
        await citizen.type(answer)
    await citizen.press("I don't have one")
    await citizen.press("No")
    await citizen.press("YES")
    await citizen.press("I agree")
    await citizen.press("Confirm the booking")
    assert citizen.step == "booking"
