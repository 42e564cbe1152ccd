"""Keeps the booking in the calendar of the staff member who takes it, with the citizen's
details: an Outlook event when Teams is configured and they have a Teams account, otherwise an
e-mail with a calendar file. A booking moved to another staff member leaves the first calendar
and enters the second; a cancelled one leaves, saying who cancelled.

A Teams video call needs nothing here: its meeting is already an event in the organizer's
calendar (`meeting_sync`). Each delivery brings the calendars in line with the booking as it is
now, so a late or repeated row does no harm.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import Configuration, Mode, StaffMember
from domain.ports import Storage
from integrations.db.outbox import OutboxRow
from integrations.db.staff_calendar import CalendarEntry, Route, SqlStaffCalendar
from integrations.delivery import DeliveryFailed, Undeliverable
from integrations.email.compose import Sender
from integrations.email.smtp import SmtpSender
from integrations.email.staff_letter import (
    StaffLetter,
    StaffNotice,
    cancel_comment,
    event_text,
    staff_email,
)
from integrations.graph.events import OutlookEvents
from integrations.outbox.booking_data import BookingData, load_booking
from integrations.outbox.emails import JoinUrl
from integrations.outbox.worker import DONE, Clock, Drop, Outcome


@dataclass(frozen=True, slots=True)
class StaffMail:
    smtp: SmtpSender
    sender: Sender


class StaffCalendarSync:
    def __init__(
        self,
        storage: Storage,
        configuration: Configuration,
        entries: SqlStaffCalendar,
        join_url: JoinUrl,
        clock: Clock,
        *,
        outlook: OutlookEvents | None = None,
        mail: StaffMail | None = None,
    ) -> None:
        self._storage = storage
        self._configuration = configuration
        self._entries = entries
        self._join_url = join_url
        self._clock = clock
        self._outlook = outlook
        self._mail = mail

    async def __call__(self, row: OutboxRow) -> Outcome:
        data = await load_booking(self._storage, self._configuration, row)
        if data is None or data.is_stale(row):
            return Drop()  # the later change's own row brings the calendars in line
        booking, municipality = data.booking, data.municipality
        entries = await self._entries.entries(booking.id)
        for entry in entries.values():
            if entry.cancelled or (booking.is_active and entry.staff_id == booking.staff_id):
                continue
            notice = StaffNotice.MOVED_AWAY if booking.is_active else StaffNotice.CANCELLED
            member = municipality.staff_member(entry.staff_id)
            if member is not None:  # one taken out of the configuration cannot be reached
                await self._retract(entry, member, data, notice, row)
            await self._save(data, CalendarEntry(entry.staff_id, entry.route, None, 0, True))
        if not booking.is_active:
            return DONE
        member = municipality.staff_member(booking.staff_id)
        if member is None:
            raise Undeliverable(f"staff member {booking.staff_id} is not in the configuration")
        told = entries.get(member.id)
        live = told if told is not None and not told.cancelled else None
        if live is not None and live.sequence >= booking.sequence:
            return DONE  # a redelivery, or a later change already shown
        route = Route.OUTLOOK if self._outlook and member.teams_user_id else Route.EMAIL
        if route is Route.OUTLOOK and booking.mode is Mode.VIDEO_CALL:
            return DONE  # the Teams meeting is the event in their calendar
        notice = StaffNotice.RESCHEDULED if live is not None else StaffNotice.BOOKED
        join_url = None
        if booking.mode is Mode.VIDEO_CALL:
            join_url = await self._join_url(booking.id)
        letter = StaffLetter(notice, booking, municipality, join_url)
        event_id = await self._tell(route, live, member, letter, row)
        await self._save(data, CalendarEntry(member.id, route, event_id, booking.sequence, False))
        return DONE

    async def _tell(
        self,
        route: Route,
        live: CalendarEntry | None,
        member: StaffMember,
        letter: StaffLetter,
        row: OutboxRow,
    ) -> str | None:
        """Returns the Outlook event's id, if any."""
        if route is Route.EMAIL:
            await self._email(letter, member, row)
            return None
        assert self._outlook is not None
        assert member.teams_user_id
        text = event_text(letter)
        if live is not None and live.route is Route.OUTLOOK and live.event_id:
            await self._outlook.update(member.teams_user_id, live.event_id, letter.booking, text)
            return live.event_id
        created = await self._outlook.create(
            member.teams_user_id, letter.booking, text, online=False
        )
        return created.event_id

    async def _retract(
        self,
        entry: CalendarEntry,
        member: StaffMember,
        data: BookingData,
        notice: StaffNotice,
        row: OutboxRow,
    ) -> None:
        if entry.route is Route.OUTLOOK:
            if self._outlook is None or not member.teams_user_id or not entry.event_id:
                raise DeliveryFailed("Teams is no longer configured: the event stays")
            comment = cancel_comment(data.booking)
            await self._outlook.cancel(member.teams_user_id, entry.event_id, comment)
            return
        letter = StaffLetter(notice, data.booking, data.municipality, None)
        await self._email(letter, member, row)

    async def _email(self, letter: StaffLetter, member: StaffMember, row: OutboxRow) -> None:
        if self._mail is None:
            raise DeliveryFailed("SMTP_HOST is not set: the staff member's e-mail waits")
        sender = self._mail.sender
        message_id = f"<{row.key}-{member.id}@{sender.domain}>"
        await self._mail.smtp.send(staff_email(letter, member, sender, self._clock(), message_id))

    async def _save(self, data: BookingData, entry: CalendarEntry) -> None:
        await self._entries.save(data.booking.id, entry, self._clock())
