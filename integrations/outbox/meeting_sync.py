"""Keeps a video-call booking's meeting in step with the booking: created when booked, moved
when rescheduled, deleted when cancelled. The staff member who takes the call organises it, so
a booking moved to another staff member gets a new meeting from them. With Teams the meeting is
an event in the organizer's calendar, so it carries what they need to know of the citizen."""

from __future__ import annotations

from dataclasses import replace

from domain.model import BookingStatus, Configuration
from domain.ports import Storage
from integrations.db.outbox import OutboxRow
from integrations.db.video_meetings import SqlVideoMeetings, StoredMeeting
from integrations.delivery import Undeliverable
from integrations.email.staff_letter import StaffLetter, StaffNotice, cancel_comment, event_text
from integrations.meetings.provider import MeetingProvider
from integrations.outbox.booking_data import BookingData, load_booking
from integrations.outbox.worker import DONE, Clock, Drop, Outcome


class MeetingSync:
    def __init__(
        self,
        storage: Storage,
        configuration: Configuration,
        provider: MeetingProvider | None,
        meetings: SqlVideoMeetings,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._configuration = configuration
        self._provider = provider
        self._meetings = meetings
        self._clock = clock

    async def __call__(self, row: OutboxRow) -> Outcome:
        if self._provider is None:
            return DONE  # MEETING_PROVIDER=none: staff send their own link
        data = await load_booking(self._storage, self._configuration, row)
        if data is None or data.is_stale(row):
            return Drop()  # the later change's own row syncs the meeting, once
        stored = await self._meetings.get(data.booking.id)
        if stored is not None and stored.sequence >= data.booking.sequence:
            return DONE  # a redelivery, or a later change already synced
        await self._sync(self._provider, data, stored)
        return DONE

    async def _sync(
        self, provider: MeetingProvider, data: BookingData, stored: StoredMeeting | None
    ) -> None:
        booking, municipality = data.booking, data.municipality
        organizer = municipality.staff_member(booking.staff_id)
        if organizer is None:
            raise Undeliverable(f"staff member {booking.staff_id} is not in the configuration")
        notice = StaffNotice.BOOKED if stored is None else StaffNotice.RESCHEDULED
        text = event_text(StaffLetter(notice, booking, municipality, join_url=None))
        live = stored if stored is not None and not stored.deleted else None
        if live is not None and (
            booking.status is BookingStatus.CANCELLED or live.organizer_id != organizer.id
        ):
            previous = municipality.staff_member(live.organizer_id) or organizer
            await provider.delete(live.meeting, previous, cancel_comment(booking))
            live = replace(live, deleted=True, sequence=booking.sequence)
            await self._meetings.save(booking.id, live, self._clock())
            if booking.status is BookingStatus.CANCELLED:
                return
            live = None
        if booking.status is BookingStatus.CANCELLED:
            return
        if live is None:
            meeting = await provider.create(booking, organizer, text)
            saved = StoredMeeting(meeting, provider.name, organizer.id, booking.sequence, False)
        else:
            await provider.update(live.meeting, booking, organizer, text)
            saved = replace(live, sequence=booking.sequence)
        await self._meetings.save(booking.id, saved, self._clock())
