"""The calendar file attached to booking e-mails (RFC 5545 via icalendar).

The UID stays the same for the life of a booking and SEQUENCE rises with each change, so a
calendar updates the event it already has; a cancellation is METHOD:CANCEL of that UID.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText


def calendar_file(
    *,
    uid: str,
    sequence: int,
    cancelled: bool,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    description: str,
    location: str,
    organizer: tuple[str, str],
    attendee: tuple[str, str],
    now: datetime,
) -> str:
    """`organizer` and `attendee` are (name, address)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Rantevou//Municipal appointments//EL")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", now)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", _address(*organizer))
    attendee_address = _address(*attendee)
    attendee_address.params["role"] = vText("REQ-PARTICIPANT")
    attendee_address.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee_address)
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics.decode("utf-8")


def _address(name: str, address: str) -> vCalAddress:
    value = vCalAddress(f"mailto:{address}")
    value.params["cn"] = vText(name)
    return value
