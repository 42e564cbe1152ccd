"""A video call's booking screen in the chat: its join link once the meeting exists, and no
promise of a link when no meeting provider will make one."""

from __future__ import annotations

from dialogs.engine import Dialog
from integrations.db.conversations import SqlConversationStore
from integrations.db.storage import SqlStorage
from tests.driver import Citizen
from tests.integration.test_dialog import CHANIA, NOW, book_video_call, storage

__all__ = ("storage",)  # the fixture, on SQLite

JOIN = "https://meet.example.org/rantevou-xan-abc"


class Meetings:
    def __init__(self) -> None:
        self.links: dict[int, str] = {}

    async def join_url(self, booking_id: int) -> str | None:
        return self.links.get(booking_id)


def dialog_with(storage: SqlStorage, **options: object) -> Dialog:
    conversations = SqlConversationStore(storage.engine)
    return Dialog(CHANIA, storage, conversations, clock=lambda: NOW, **options)  # type: ignore[arg-type]


async def test_the_join_link_shows_on_the_booking_once_the_meeting_exists(storage: SqlStorage):
    meetings = Meetings()
    maria = Citizen(dialog_with(storage, join_links=meetings))
    await book_video_call(maria)
    assert "Ο σύνδεσμος για την τηλεδιάσκεψη θα σας σταλεί με e-mail." in maria.text
    async with storage.reading() as uow:
        (booking,) = await uow.bookings.upcoming_for_citizen(1, NOW)
    meetings.links[booking.id] = JOIN
    await maria.press("Οι κρατήσεις μου")
    await maria.type(booking.reference)
    assert f"Σύνδεσμος της τηλεδιάσκεψης: {JOIN}" in maria.text


async def test_without_a_meeting_provider_no_link_is_promised(storage: SqlStorage):
    maria = Citizen(dialog_with(storage, meeting_links=False))
    await book_video_call(maria)
    assert "θα σας σταλεί με e-mail" not in maria.text
    assert "Η υπηρεσία θα επικοινωνήσει μαζί σας για τη σύνδεση" in maria.text
