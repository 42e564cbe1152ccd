"""Reminders in the citizen's chat, on the channel they booked from, and the office's notice
when it calls an appointment off. The text is the same on every channel; each channel brings a
sender for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from dialogs.screens import REBOOK, Choice
from domain.model import Configuration, Mode
from domain.ports import Storage
from integrations.db.outbox import OutboxRow
from integrations.outbox.booking_data import BookingData, load_booking
from integrations.outbox.emails import JoinUrl
from integrations.outbox.worker import Clock, Drop, Outcome
from locales.texts import Texts


class ChatSender(Protocol):
    async def __call__(
        self, user_id: str, text: str, language: str, button: Choice | None = None
    ) -> Outcome:
        """Sends `text` to one citizen, who reads `language`, with one button (by default
        their bookings). Returns DONE, Drop (the citizen blocked the bot or left; the e-mail
        still goes) or Later (a limit to wait for); raises DeliveryFailed or Undeliverable."""
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
        lines.append(texts.on(citizen.identity.channel, "chat.reminder.manage"))
        return "\n".join(lines)


class ChatNotices:
    """The office called an appointment off: the citizen reads why in their chat, with a
    button that starts a new booking of the same service at the days with free times."""

    def __init__(
        self, storage: Storage, configuration: Configuration, senders: Mapping[str, ChatSender]
    ) -> None:
        self._storage = storage
        self._configuration = configuration
        self._senders = senders

    async def __call__(self, row: OutboxRow) -> Outcome:
        data = await load_booking(self._storage, self._configuration, row)
        if data is None or data.is_stale(row) or not data.booking.cancelled_by_office:
            return Drop()
        send = self._senders.get(data.citizen.identity.channel)
        if send is None:
            return Drop()  # the e-mail tells them
        booking, citizen, municipality = data.booking, data.citizen, data.municipality
        texts = Texts(citizen.language)
        service = municipality.service(booking.service_id)
        when = texts.when(booking.starts_at, data.citizen_zone, municipality.time_zone)
        lines = [
            texts("chat.office_cancelled", reference=booking.reference, when=when),
            service.name.in_language(citizen.language) if service else booking.service_id,
            texts(
                "chat.office_cancelled.reason",
                reason=texts.cancel_reason(booking.cancel_reason) or texts("cancel_reason.none"),
            ),
            texts("chat.office_cancelled.sorry"),
        ]
        again = Choice(
            f"nav:{REBOOK}{booking.service_id}:{booking.mode.value}",
            texts("chat.office_cancelled.book_again"),
        )
        return await send(citizen.identity.user_id, "\n".join(lines), citizen.language, again)
