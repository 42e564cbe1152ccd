"""Reminders in the citizen's chat, on the channel they booked from. The text is the same on
every channel; each channel brings a sender for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from dialogs.texts import Texts
from domain.model import Configuration, Mode
from domain.ports import Storage
from integrations.db.outbox import OutboxRow
from integrations.outbox.booking_data import BookingData, load_booking
from integrations.outbox.emails import JoinUrl
from integrations.outbox.worker import Clock, Drop, Outcome


class ChatSender(Protocol):
    async def __call__(self, user_id: str, text: str, language: str) -> Outcome:
        """Sends `text` to one citizen, who reads `language`. Returns DONE, Drop (the citizen
        blocked the bot or left; the e-mail reminder still goes) or Later (a limit to wait
        for); raises DeliveryFailed or Undeliverable."""
        ...


class ChatReminders:
    def __init__(
        self,
        storage: Storage,
        configuration: Configuration,
        join_url: JoinUrl,
        clock: Clock,
        senders: Mapping[str, ChatSender],
    ) -> None:
        """`senders`: by channel ("telegram", "viber"); citizens of other channels (the
        console) get the e-mail reminder only."""
        self._storage = storage
        self._configuration = configuration
        self._join_url = join_url
        self._clock = clock
        self._senders = senders

    async def __call__(self, row: OutboxRow) -> Outcome:
        data = await load_booking(self._storage, self._configuration, row)
        if data is None or not data.still_worth_a_reminder(row, self._clock()):
            return Drop()
        send = self._senders.get(data.citizen.identity.channel)
        if send is None:
            return Drop()
        citizen = data.citizen
        return await send(citizen.identity.user_id, await self._text(data), citizen.language)

    async def _text(self, data: BookingData) -> str:
        booking, citizen, municipality = data.booking, data.citizen, data.municipality
        texts = Texts(citizen.language)
        zone = data.citizen_zone
        when = texts.when(booking.starts_at, zone, municipality.time_zone)
        lines = [texts("chat.reminder", reference=booking.reference, when=when)]
        service = municipality.service(booking.service_id)
        if service:
            lines.append(service.name.in_language(citizen.language))
        if booking.mode is Mode.VIDEO_CALL:
            url = await self._join_url(booking.id)
            if url:
                lines.append(texts("chat.reminder.join", url=url))
        else:
            address = municipality.office_address.in_language(citizen.language)
            lines.append(texts("email.place", value=address))
        lines.append(texts("chat.reminder.manage"))
        return "\n".join(lines)
