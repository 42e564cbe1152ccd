"""Microsoft Teams meetings as events in the calendar of the staff member who takes the call.

`POST /users/{organizer}/events` with an online meeting puts the booking in their Outlook
calendar and gives the join link; the meeting's lobby is then set to admit only the organizer,
so the citizen waits until the staff member lets them in, as the seed describes. A bare
`POST /onlineMeetings` (the first design) makes no calendar entry; meetings made that way are
still moved and deleted through `onlineMeetings`.
"""

from __future__ import annotations

from domain.model import Booking, StaffMember
from integrations.delivery import Undeliverable
from integrations.graph.client import GraphClient
from integrations.graph.events import OutlookEvents
from integrations.meetings.provider import EventText, Meeting


class TeamsMeetings:
    name = "teams"

    def __init__(self, graph: GraphClient) -> None:
        self.graph = graph
        self.events = OutlookEvents(self.graph)

    async def create(self, booking: Booking, organizer: StaffMember, text: EventText) -> Meeting:
        user = teams_user(organizer)
        created = await self.events.create(user, booking, text, online=True)
        assert created.join_url is not None  # `create` refuses an online event without one
        await self.events.admit_only_organizer(user, created.join_url)
        return Meeting(created.event_id, created.join_url, calendar_event=True)

    async def update(
        self, meeting: Meeting, booking: Booking, organizer: StaffMember, text: EventText
    ) -> None:
        user = teams_user(organizer)
        if meeting.calendar_event:
            await self.events.update(user, meeting.meeting_id, booking, text)
            return
        await self.graph.call(
            "PATCH",
            f"/users/{user}/onlineMeetings/{meeting.meeting_id}",
            {
                "startDateTime": booking.starts_at.isoformat(),
                "endDateTime": booking.ends_at.isoformat(),
                "subject": text.subject,
            },
        )

    async def delete(self, meeting: Meeting, organizer: StaffMember, comment: str) -> None:
        user = teams_user(organizer)
        if meeting.calendar_event:
            await self.events.cancel(user, meeting.meeting_id, comment)
            return
        path = f"/users/{user}/onlineMeetings/{meeting.meeting_id}"
        await self.graph.call("DELETE", path, gone_is_fine=True)

    async def close(self) -> None:
        await self.graph.close()


def teams_user(member: StaffMember) -> str:
    if not member.teams_user_id:
        raise Undeliverable(f"staff member {member.id} has no teams_user_id")
    return member.teams_user_id
