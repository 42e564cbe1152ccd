"""Every phrase of the table in tests/understanding.py, at its step: never a wrong meaning taken
without asking, and each meant as the table says."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dialogs import parsing
from dialogs.engine import Dialog
from integrations.db.storage import SqlStorage
from integrations.db.tables import conversations
from tests.integration.test_dialog import dialog, storage
from tests.understanding import ASKED, CASES, Case, try_case

__all__ = ("dialog", "storage")  # the fixtures, on SQLite


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.step}:{c.typed}:{c.language}")
async def test_each_phrase_means_what_it_says(dialog: Dialog, storage: SqlStorage, case: Case):
    meant = await try_case(dialog, storage, case)
    if case.gap:  # not understood yet: asked back, never taken as something else
        assert meant in (ASKED, case.means), f"{case.typed!r} at {case.step}: {meant!r}"
    elif case.means == ASKED:
        assert meant == ASKED, f"{case.typed!r} at {case.step} was taken as {meant!r}"
    else:
        assert meant == case.means, f"{case.typed!r} at {case.step}: {meant!r}"


VOCABULARY = sorted(
    {
        *parsing.YES,
        *parsing.NO,
        *parsing.NOTHING,
        *(w for w in parsing.BACK | parsing.CANCEL | parsing.HELP | parsing.MENU),
        "Ναι",
        "ΝΑΙ",
        "Όχι",
        "ΟΧΙ",
        "Πίσω",
        "Άκυρο",
        "Ακύρωση",
        "Βοήθεια",
        "Δεν έχω",
        "Yes",
        "No",
    }
)
TEXT_STEPS = ("subject", "appno", "third")


@pytest.mark.parametrize("step", TEXT_STEPS)
async def test_no_yes_no_or_navigation_word_is_ever_stored_as_an_answer(
    dialog: Dialog, storage: SqlStorage, step: str
):
    """Every word of the yes/no, «δεν έχω» and navigation vocabulary, typed where a subject,
    an application number or a name is asked: none becomes the answer."""
    stored = []
    for word in VOCABULARY:
        case = Case(step, word, ASKED)
        await try_case(dialog, storage, case)
        async with storage.engine.connect() as connection:
            for row in await connection.execute(select(conversations.c.state)):
                answers = json.loads(row.state).get("answers", {})
                stored += [(word, k) for k, v in answers.items() if v == word]
    assert stored == []
