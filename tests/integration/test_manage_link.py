"""The manage link of the e-mails (`/start m_<token>`) opens that booking in the chat — for the
account it was booked from, and for nobody else."""

from __future__ import annotations

from dialogs.engine import Dialog
from domain.use_cases import upcoming_bookings
from integrations.db.conversations import SqlConversationStore
from integrations.db.manage_tokens import SqlManageTokens
from integrations.db.storage import SqlStorage
from tests.driver import Citizen
from tests.integration.test_dialog import CHANIA, NOW, book_video_call


def linked_dialog(storage: SqlStorage) -> Dialog:
    return Dialog(
        CHANIA,
        storage,
        SqlConversationStore(storage.engine),
        clock=lambda: NOW,
        manage_links=SqlManageTokens(storage.engine),
    )


async def booked_with_token(storage: SqlStorage, maria: Citizen) -> tuple[str, str]:
    """(reference, token) of a video call Maria booked."""
    await book_video_call(maria)
    [booking] = await upcoming_bookings(maria.identity, storage, NOW)
    token = await SqlManageTokens(storage.engine).issue(booking.id, NOW)
    return booking.reference, token


async def test_the_link_opens_the_booking_ready_to_move_or_cancel(storage: SqlStorage):
    dialog = linked_dialog(storage)
    maria = Citizen(dialog)
    reference, token = await booked_with_token(storage, maria)
    await maria.type(f"/start m_{token}")
    assert maria.step == "booking"
    assert f"Κράτηση {reference}" in maria.text
    await maria.press("Ακύρωση κράτησης")
    await maria.press("Ναι, ακύρωση")
    assert f"Η κράτηση {reference} ακυρώθηκε." in maria.text


async def test_someone_else_with_the_link_sees_only_their_own_bookings(storage: SqlStorage):
    dialog = linked_dialog(storage)
    reference, token = await booked_with_token(storage, Citizen(dialog))
    stranger = Citizen(dialog, user_id="2002")
    await stranger.type(f"/start m_{token}")
    assert stranger.step == "mine"
    assert "μόνο από τον λογαριασμό με τον οποίο κλείστηκε" in stranger.text
    assert reference not in stranger.text


async def test_a_link_that_was_never_issued_or_whose_booking_is_over_is_explained(
    storage: SqlStorage,
):
    dialog = linked_dialog(storage)
    maria = Citizen(dialog)
    reference, token = await booked_with_token(storage, maria)
    await maria.type("/start m_AAAAAAAAAAAAAAAAAAAAAA")
    assert maria.step == "mine"
    assert "δεν αντιστοιχεί σε ραντεβού" in maria.text
    await maria.type(f"/start m_{token}")
    await maria.press("Ακύρωση κράτησης")
    await maria.press("Ναι, ακύρωση")
    await maria.type(f"/start m_{token}")
    assert maria.step == "mine"
    assert f"Το ραντεβού {reference} έχει ακυρωθεί ή έχει περάσει." in maria.text
