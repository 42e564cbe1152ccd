"""Random conversations: whatever a citizen presses or types, in any order, nothing breaks, the
saved state stays valid, and a booking exists only after Confirm."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dialogs.conversation import Conversation
from dialogs.engine import STEPS, Dialog
from dialogs.screens import Event, Screen
from domain.model import ChannelIdentity
from integrations.configuration import load_configuration
from integrations.db.conversations import SqlConversationStore
from integrations.db.migrate import upgrade
from integrations.db.storage import SqlStorage
from integrations.db.tables import bookings
from integrations.settings import DEFAULT_BOOKING_CONFIG
from tests.factories import athens
from tests.integration.conftest import sqlite_engine

CHANIA = load_configuration(DEFAULT_BOOKING_CONFIG)
NOW = athens(date(2026, 12, 1), "10:00")
TYPED = [
    "1",
    "2",
    "3",
    "7",
    "0",
    "99",
    "ναι",
    "όχι",
    "ΝΑΙ",
    "πίσω",
    "άκυρο",
    "βοήθεια",
    "/start",
    "/book",
    "/mybookings",
    "/language",
    "/timezone",
    "αύριο",
    "Πέμπτη",
    "25/12",
    "1/1/2020",
    "10:30",
    "09.00",
    "Μαρία Παπαδάκη",
    "maria@example.com",
    "6912345678",
    "Θέμα κράτησης",
    "1234/2026",
    "Europe/London",
    "",
    "😀",
    "x" * 3000,
    "<b>bold</b>",
    "'; DROP TABLE x;--",
    "\u0000\u001b[2J",
]
STALE = [
    "mode:video_call",
    "service:permits",
    "day:2026-12-02",
    "time:0",
    "staff:any",
    "summary:confirm",
    "booking:cancel",
    "cancel:yes",
    "mine:XAN-22222",
    "nav:back",
    "language:en",
    "nonsense",
    "",
]

VALID_TEXT = {
    "name": "Μαρία Παπαδάκη",
    "email": "maria@example.com",
    "phone": "6912345678",
    "subject": "Θέμα κράτησης",
    "third_name": "Νίκος Μηχανικός",
    "third_email": "nikos@example.com",
    "timezone": "Europe/London",
}

actions = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.none()),
        st.tuples(st.just("answer"), st.none()),
        st.tuples(st.just("press"), st.floats(0, 1, exclude_max=True)),
        st.tuples(st.just("type"), st.sampled_from(TYPED)),
        st.tuples(st.just("stale"), st.sampled_from(STALE)),
    ),
    max_size=60,
)


async def _bookings(storage: SqlStorage) -> int:
    async with storage.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(bookings))).scalar_one()


def _sensible_answer(identity: ChannelIdentity, screen: Screen) -> Event:
    """What a cooperative citizen would do here: the valid answer, or the first option."""
    if screen.step in VALID_TEXT:
        return Event(identity, text=VALID_TEXT[screen.step])
    first = next((c for c in screen.choices() if c.id and not c.id.startswith("nav:")), None)
    return Event(identity, choice=first.id) if first else Event(identity, text="πίσω")


async def _converse(folder: Path, steps: list[tuple[str, object]]) -> None:
    engine = sqlite_engine(folder)
    await upgrade(engine)
    storage = SqlStorage(engine)
    store = SqlConversationStore(engine)
    dialog = Dialog(CHANIA, storage, store, clock=lambda: NOW)
    identity = ChannelIdentity("telegram", "42")
    screen = (await dialog.handle(Event(identity, text="/start")))[-1]
    try:
        for kind, value in steps:
            step_before = screen.step
            count_before = await _bookings(storage)
            if kind == "answer":
                event = _sensible_answer(identity, screen)
            elif kind == "press":
                choices = screen.choices()
                event = Event(identity, choice=choices[int(float(value) * len(choices))].id)  # type: ignore[arg-type]
            elif kind == "type":
                event = Event(identity, text=str(value))
            else:
                event = Event(identity, choice=str(value) or None)
            screens = await dialog.handle(event)
            screen = screens[-1]
            assert screen.text.strip()
            stored = (await store.load(identity)).conversation
            assert stored is not None
            state = Conversation.from_json(stored.data)
            assert state is not None
            assert state.step in STEPS
            made = await _bookings(storage) - count_before
            assert made in (0, 1)
            if made:
                assert step_before == "summary"
    finally:
        await engine.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=actions)
def test_random_conversations_never_break_and_book_only_on_confirm(steps):
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_converse(Path(folder), steps))
