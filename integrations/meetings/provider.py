"""What every meeting provider offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.model import Booking, StaffMember


@dataclass(frozen=True, slots=True)
class Meeting:
    meeting_id: str
    join_url: str


class MeetingProvider(Protocol):
    name: str

    async def create(self, booking: Booking, organizer: StaffMember, subject: str) -> Meeting:
        """Raises DeliveryFailed when the provider can be tried again."""
        ...

    async def update(
        self, meeting: Meeting, booking: Booking, organizer: StaffMember, subject: str
    ) -> None: ...

    async def delete(self, meeting: Meeting, organizer: StaffMember) -> None:
        """A meeting that is gone already counts as deleted."""
        ...

    async def close(self) -> None:
        """Releases connections when the worker stops."""
        ...
