"""What an attacker, or a slip of the keyboard, types into the dialog: folders and files of the
time-zone database, a long line, right-to-left overrides, control characters, impossible dates.
Each gets a reason and the same step; nothing of it is stored, shown to staff, echoed or
logged."""

from __future__ import annotations

import logging
import sys

import pytest
from sqlalchemy import select

from bot.logs import WithoutExceptionMessages
from dialogs.engine import Dialog
from integrations.db.storage import SqlStorage
from integrations.db.tables import bookings, citizens
from tests.driver import Citizen
from tests.integration.test_dialog import dialog, storage, up_to_the_details

__all__ = ("dialog", "storage")  # fixtures of the dialog's tests, used here too


@pytest.mark.parametrize(
    "typed", ["Europe", "America", "posixrules", "Factory", "EST5EDT", "Europe/" + "x" * 300]
)
async def test_only_real_time_zones_are_taken(dialog: Dialog, typed: str, caplog):
    eleni = Citizen(dialog, user_id="8001")
    await eleni.type("/timezone")
    with caplog.at_level(logging.DEBUG):
        await eleni.type(typed)
    assert eleni.step == "timezone"
    assert "Δεν γνωρίζω τη ζώνη ώρας" in eleni.text
    assert "κάτι πήγε στραβά" not in eleni.text.lower()
    assert typed[:40] not in caplog.text  # nothing of what she typed in the log


async def test_a_city_is_understood_as_its_zone(dialog: Dialog, storage: SqlStorage):
    john = Citizen(dialog, user_id="8002", language_hint="en")
    await john.type("/timezone")
    await john.type("london")
    assert john.step == "menu"
    async with storage.engine.connect() as connection:
        zone = (await connection.execute(select(citizens.c.time_zone))).scalar_one()
    assert zone == "Europe/London"


async def test_overrides_and_control_characters_are_taken_out(dialog: Dialog, storage: SqlStorage):
    maria = Citizen(dialog, user_id="8003")
    await up_to_the_details(maria)
    await maria.type("Μαρία \u202eΠαπαδάκη\u202c")
    assert maria.step == "email"
    await maria.type("maria@example.com\x00")
    assert maria.step == "phone"
    await maria.type("6912345678")
    await maria.type("Έλεγχος\u2066 φακέλου\x1b[31m")
    assert "\x1b" not in maria.text
    await maria.press("Δεν έχω")
    await maria.press("Όχι")
    await maria.press("ΝΑΙ")
    await maria.press("Συμφωνώ")
    assert "\u202e" not in maria.text
    await maria.press("Επιβεβαίωση κράτησης")
    async with storage.engine.connect() as connection:
        row = (await connection.execute(select(bookings))).one()
    assert row.full_name == "Μαρία Παπαδάκη"
    assert row.email == "maria@example.com"
    assert row.subject == "Έλεγχος φακέλου[31m"


@pytest.mark.parametrize(
    "typed", ["32/12", "1/13", "31/11", "30/02/2027", "29/2", "29 Φεβρουαρίου", "29/02/2027"]
)
async def test_an_impossible_date_is_called_impossible(dialog: Dialog, typed: str):
    giorgos = Citizen(dialog, user_id="8004")
    await giorgos.type("/book")
    await giorgos.press("Ραντεβού με φυσική παρουσία")
    await giorgos.press("Οικοδομικές Άδειες")
    await giorgos.type(typed)
    assert giorgos.step == "day"
    assert f"Η ημερομηνία «{typed}» δεν υπάρχει" in giorgos.text


def test_a_logged_traceback_keeps_where_but_not_what_was_typed():
    typed = ("Μαρία Παπαδάκη maria@example.com", "+306912345678")
    try:
        try:
            raise ValueError(typed[0])
        except ValueError as first:
            raise RuntimeError(typed[1]) from first
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    text = WithoutExceptionMessages("%(message)s").format(record)
    assert "RuntimeError" in text
    assert "ValueError" in text
    assert "test_a_logged_traceback_keeps_where_but_not_what_was_typed" in text
    for secret in ("Μαρία", "maria@example.com", "+306912345678"):
        assert secret not in text
