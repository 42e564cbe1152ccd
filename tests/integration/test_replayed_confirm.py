"""Confirm pressed again — after the process died between the booking's commit and the
conversation's save, by a double tap on two instances at once, or after a lost save — ends on
"booked" for the one booking, and nothing is done twice. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import func, select

from dialogs.engine import Dialog
from domain.model import ChannelIdentity
from integrations.db.conversations import SqlConversationStore
from integrations.db.storage import SqlStorage
from integrations.db.tables import bookings, outbox
from tests.driver import Citizen
from tests.integration.test_dialog import CHANIA, NOW, book_video_call


class DiesBeforeSaving(SqlConversationStore):
    """The process is killed after the booking committed and before the conversation was
    saved: the next event finds the state as it was before Confirm."""

    dying = False

    async def save(self, identity: ChannelIdentity, data: str, version: int | None) -> bool:
        if self.dying:
            self.dying = False
            raise SystemExit("killed")
        return await super().save(identity, data, version)


async def counts(storage: SqlStorage) -> tuple[int, int]:
    async with storage.engine.connect() as connection:
        made = (await connection.execute(select(func.count()).select_from(bookings))).scalar_one()
        rows = (await connection.execute(select(func.count()).select_from(outbox))).scalar_one()
    return made, rows


async def test_confirm_after_a_kill_between_commit_and_save_says_booked(storage: SqlStorage):
    store = DiesBeforeSaving(storage.engine)
    maria = Citizen(Dialog(CHANIA, storage, store, clock=lambda: NOW))
    await book_video_call(maria, confirm=False)
    summary = maria.screen
    store.dying = True
    with contextlib.suppress(SystemExit):
        await maria.press("Επιβεβαίωση κράτησης")
    made_once = await counts(storage)
    assert made_once[0] == 1
    restarted = Citizen(
        Dialog(CHANIA, storage, SqlConversationStore(storage.engine), clock=lambda: NOW)
    )
    restarted.screen = summary  # she sees the summary still, and presses Confirm again
    await restarted.press("Επιβεβαίωση κράτησης")
    assert "Το ραντεβού σας κλείστηκε." in restarted.text
    assert "μόλις κλείστηκε από κάποιον άλλον" not in restarted.text
    assert await counts(storage) == made_once  # no second booking, no second e-mail


async def test_a_double_tap_on_two_instances_books_once(storage: SqlStorage):
    """Which tap wins is up to the scheduler: four citizens each tap twice, so that both
    orders are met."""
    first = Dialog(CHANIA, storage, SqlConversationStore(storage.engine), clock=lambda: NOW)
    second = Dialog(CHANIA, storage, SqlConversationStore(storage.engine), clock=lambda: NOW)
    for number in range(4):
        user_id = str(2000 + number)
        citizen = Citizen(first, user_id=user_id)
        await book_video_call(citizen, confirm=False, nth_time=number)
        confirm = citizen.find("Επιβεβαίωση κράτησης")
        assert confirm.id is not None
        on_first, on_second = Citizen(first, user_id=user_id), Citizen(second, user_id=user_id)
        await asyncio.gather(on_first.press_id(confirm.id), on_second.press_id(confirm.id))
        made, _ = await counts(storage)
        assert made == number + 1
        replies = (on_first.text, on_second.text)
        assert any("Το ραντεβού σας κλείστηκε." in reply for reply in replies)
        for reply in replies:  # the other tap: booked too, or "that button is from before"
            assert "μόλις κλείστηκε από κάποιον άλλον" not in reply
            assert "Έχετε ήδη άλλο ραντεβού εκείνη την ώρα" not in reply


async def test_a_replayed_reschedule_moves_once(storage: SqlStorage):
    store = DiesBeforeSaving(storage.engine)
    maria = Citizen(Dialog(CHANIA, storage, store, clock=lambda: NOW))
    await book_video_call(maria)
    await maria.press("Προγραμματισμός εκ νέου")
    await maria.press_first_day()
    await maria.press(maria.labels()[2])
    await maria.press("Οποιοσδήποτε")
    summary = maria.screen
    store.dying = True
    with contextlib.suppress(SystemExit):
        await maria.press("Επιβεβαίωση νέας ώρας")
    async with storage.engine.connect() as connection:
        (sequence,) = (await connection.execute(select(bookings.c.sequence))).one()
    again = Citizen(
        Dialog(CHANIA, storage, SqlConversationStore(storage.engine), clock=lambda: NOW)
    )
    again.screen = summary
    await again.press("Επιβεβαίωση νέας ώρας")
    assert "Το ραντεβού σας μεταφέρθηκε." in again.text
    async with storage.engine.connect() as connection:
        assert (await connection.execute(select(bookings.c.sequence))).scalar_one() == sequence
