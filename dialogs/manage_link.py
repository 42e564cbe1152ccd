"""The manage link of the booking e-mails: `/start m_<token>` opens that booking.

It opens it only for the chat account the booking was made from: a forwarded e-mail must not
let someone else move or cancel it. Anyone else, and a booking that is over, gets a short
reason and their own list of appointments.
"""

from __future__ import annotations

from dialogs.ports import ManageLinks
from dialogs.turn import Turn

PREFIX = "m_"


def manage_token(text: str | None) -> str | None:
    """The token of `/start m_<token>` (also `/start@bot m_<token>`), or None."""
    words = (text or "").split()
    if len(words) != 2 or words[0].split("@")[0] != "/start":
        return None
    payload = words[1]
    return payload.removeprefix(PREFIX) if payload.startswith(PREFIX) else None


async def open_from_link(turn: Turn, token: str, links: ManageLinks) -> None:
    state = turn.state
    state.end_flow()
    state.reference = None
    booking_id = await links.booking_for(token)
    async with turn.storage.reading() as uow:
        booking = await uow.bookings.get(booking_id) if booking_id is not None else None
        owner = await uow.citizens.get(turn.event.identity)
    if booking is None:
        turn.say("manage_link.unknown")
    elif owner is None or owner.id != booking.citizen_id:
        turn.say("manage_link.not_yours")
    elif not booking.is_active or booking.ends_at <= turn.now:
        turn.say("manage_link.over", reference=booking.reference)
    else:
        state.reference = booking.reference
        state.go_to("booking")
        return
    state.go_to("mine")
