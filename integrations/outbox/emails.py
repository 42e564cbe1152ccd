"""The e-mails of the outbox: the citizen's confirmation, change and cancellation, the third
person's invitation, and reminders. Each reads the booking as it is now."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from domain.model import BookingStatus, ChannelIdentity, Configuration
from domain.notifications import Change
from domain.ports import Storage
from integrations.db.manage_tokens import SqlManageTokens
from integrations.db.outbox import OutboxRow
from integrations.email.compose import Letter, LetterKind, Sender, booking_email
from integrations.email.smtp import SmtpSender
from integrations.outbox.booking_data import BookingData, load_booking
from integrations.outbox.worker import DONE, Clock, Drop, Outcome

JoinUrl = Callable[[int], Awaitable[str | None]]
ManageUrl = Callable[[ChannelIdentity, str], Awaitable[str | None]]
"""The link that opens a booking's management in the citizen's channel, given a token; None
where the channel has no such link."""

_LETTER_FOR_CHANGE = {
    Change.BOOKED: LetterKind.BOOKED,
    Change.RESCHEDULED: LetterKind.RESCHEDULED,
    Change.CANCELLED: LetterKind.CANCELLED,
}


class BookingEmails:
    def __init__(
        self,
        storage: Storage,
        configuration: Configuration,
        smtp: SmtpSender,
        sender: Sender,
        tokens: SqlManageTokens,
        join_url: JoinUrl,
        manage_url: ManageUrl,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._configuration = configuration
        self._smtp = smtp
        self._sender = sender
        self._tokens = tokens
        self._join_url = join_url
        self._manage_url = manage_url
        self._clock = clock

    async def to_citizen(self, row: OutboxRow) -> Outcome:
        data = await load_booking(self._storage, self._configuration, row)
        if data is None or data.is_stale(row) or row.change is None:
            return Drop()
        kind = _LETTER_FOR_CHANGE[row.change]
        return await self._send_to_citizen(data, kind, row)

    async def reminder(self, row: OutboxRow) -> Outcome:
        data = await load_booking(self._storage, self._configuration, row)
        if data is None or not data.still_worth_a_reminder(row, self._clock()):
            return Drop()
        return await self._send_to_citizen(data, LetterKind.REMINDER, row)

    async def to_third_person(self, row: OutboxRow) -> Outcome:
        data = await load_booking(self._storage, self._configuration, row)
        if data is None or data.is_stale(row):
            return Drop()
        third = data.booking.third_person
        if third is None or not third.email:
            return Drop()
        cancelled = data.booking.status is BookingStatus.CANCELLED
        kind = LetterKind.INVITATION_CANCELLED if cancelled else LetterKind.INVITATION
        letter = Letter(
            kind,
            data.booking,
            data.municipality,
            data.citizen.language,  # the citizen's guest most likely shares it
            data.municipality.time_zone,
            (third.full_name or third.email, third.email),
            join_url=None if cancelled else await self._join_url(data.booking.id),
        )
        await self._send(letter, row)
        return DONE

    async def _send_to_citizen(
        self, data: BookingData, kind: LetterKind, row: OutboxRow
    ) -> Outcome:
        booking, citizen = data.booking, data.citizen
        manage_url = None
        if not kind.cancels:
            token = await self._tokens.issue(booking.id, self._clock())
            manage_url = await self._manage_url(citizen.identity, token)
        letter = Letter(
            kind,
            booking,
            data.municipality,
            citizen.language,
            data.citizen_zone,
            (booking.contact.full_name, booking.contact.email),
            join_url=None if kind.cancels else await self._join_url(booking.id),
            manage_url=manage_url,
        )
        await self._send(letter, row)
        return DONE

    async def _send(self, letter: Letter, row: OutboxRow) -> None:
        """The Message-ID comes from the notification's key: a redelivery is the same message
        to mail systems that drop duplicates."""
        message_id = f"<{row.key}@{self._sender.domain}>"
        await self._smtp.send(booking_email(letter, self._sender, self._clock(), message_id))
