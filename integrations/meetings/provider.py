"""What every meeting provider offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.model import Booking, StaffMember


@dataclass(frozen=True, slots=True)
class Meeting:
    meeting_id: str
    join_url: str
    calendar_event: bool = False
    """The meeting is an event in the organizer's calendar (Teams now); False for Jitsi rooms
    and for Teams meetings made before bookings went into the staff's calendars."""


@dataclass(frozen=True, slots=True)
class EventText:
    """What the staff member reads in their calendar about a booking."""

    subject: str
    html: str
    location: str = ""


class MeetingProvider(Protocol):
    name: str

    async def create(self, booking: Booking, organizer: StaffMember, text: EventText) -> Meeting:
        """Raises DeliveryFailed when the provider can be tried again."""
        ...

    async def update(
        self, meeting: Meeting, booking: Booking, organizer: StaffMember, text: EventText
    ) -> None: ...

    async def delete(self, meeting: Meeting, organizer: StaffMember, comment: str) -> None:
        """A meeting that is gone already counts as deleted."""
        ...

    async def close(self) -> None:
        """Releases connections when the worker stops."""
        ...
