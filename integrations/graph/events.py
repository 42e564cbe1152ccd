"""The booking as an event in the staff member's own Outlook calendar (Graph `events`): created,
moved, and cancelled with a short comment. A video call's event carries its Teams meeting
(`isOnlineMeeting`), whose lobby is then set to admit only the organizer.

Needs the application permissions Calendars.ReadWrite (events) and OnlineMeetings.ReadWrite.All
(the lobby), limited to the staff mailboxes by access policies (see the README).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from domain.model import Booking
from integrations.delivery import DeliveryFailed
from integrations.graph.client import GraphClient
from integrations.meetings.provider import EventText

ORGANIZER_ONLY_LOBBY = {"scope": "organizer", "isDialInBypassEnabled": False}


@dataclass(frozen=True, slots=True)
class CreatedEvent:
    event_id: str
    join_url: str | None


class OutlookEvents:
    def __init__(self, graph: GraphClient) -> None:
        self._graph = graph

    async def create(
        self, user: str, booking: Booking, text: EventText, *, online: bool
    ) -> CreatedEvent:
        """The transactionId makes a retried create (the answer lost on the way) return the
        event already made instead of a second one."""
        body = {
            **_event(booking, text),
            "transactionId": f"rantevou-{booking.reference}-{booking.sequence}-{user}"[:200],
            "allowNewTimeProposals": False,
            "showAs": "busy",
            "isReminderOn": True,
            "reminderMinutesBeforeStart": 15,
        }
        if online:
            body |= {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}
        created = await self._graph.call("POST", f"{_events(user)}", body)
        event_id = created.get("id")
        join_url = (created.get("onlineMeeting") or {}).get("joinUrl")
        if not event_id or (online and not join_url):
            raise DeliveryFailed("Graph: the event came back without an id or join link")
        return CreatedEvent(str(event_id), str(join_url) if join_url else None)

    async def admit_only_organizer(self, user: str, join_url: str) -> None:
        """The event's online meeting is found by its join link, then its lobby patched."""
        escaped = join_url.replace("'", "''")
        found = await self._graph.call(
            "GET",
            f"/users/{quote(user)}/onlineMeetings",
            params={"$filter": f"JoinWebUrl eq '{escaped}'"},
        )
        meetings = found.get("value") or []
        if not meetings or not meetings[0].get("id"):
            raise DeliveryFailed("Graph: the event's online meeting was not found (yet)")
        await self._graph.call(
            "PATCH",
            f"/users/{quote(user)}/onlineMeetings/{meetings[0]['id']}",
            {"lobbyBypassSettings": ORGANIZER_ONLY_LOBBY},
        )

    async def update(self, user: str, event_id: str, booking: Booking, text: EventText) -> None:
        await self._graph.call("PATCH", f"{_events(user)}/{event_id}", _event(booking, text))

    async def cancel(self, user: str, event_id: str, comment: str) -> None:
        """An event that is gone already counts as cancelled."""
        await self._graph.call(
            "POST", f"{_events(user)}/{event_id}/cancel", {"comment": comment}, gone_is_fine=True
        )


def _events(user: str) -> str:
    return f"/users/{quote(user)}/events"


def _event(booking: Booking, text: EventText) -> dict[str, Any]:
    event: dict[str, Any] = {
        "subject": text.subject,
        "body": {"contentType": "HTML", "content": text.html},
        "start": _instant(booking.starts_at),
        "end": _instant(booking.ends_at),
    }
    if text.location:
        event["location"] = {"displayName": text.location}
    return event


def _instant(instant: datetime) -> dict[str, str]:
    return {"dateTime": instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}
