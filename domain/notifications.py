"""Which notifications a booking change calls for. The use cases write them to the outbox in
the change's own transaction; the worker delivers them.

Handlers read the booking as it is when they run, so a notification never tells an old time;
the row only says what happened and when to act.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from domain.model import Booking, Mode


class Change(StrEnum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"


class Kind(StrEnum):
    MEETING = "meeting"
    """Create, update or delete the video meeting so it matches the booking."""
    CITIZEN_EMAIL = "citizen_email"
    THIRD_PERSON_EMAIL = "third_person_email"
    STAFF_PING = "staff_ping"
    STAFF_CALENDAR = "staff_calendar"
    """The booking in the calendar of the staff member who takes it, with the citizen's
    details: an Outlook event, or an e-mail with a calendar file."""
    CHAT_REMINDER = "chat_reminder"
    CHAT_NOTICE = "chat_notice"
    """The office called the appointment off: the citizen is told in their chat, with the
    reason and a button to book again."""
    EMAIL_REMINDER = "email_reminder"
    STAFF_ALERT = "staff_alert"
    """Tells the staff group that a notification could not be delivered."""


REMINDERS = (Kind.CHAT_REMINDER, Kind.EMAIL_REMINDER)


class Undelivered(Protocol):
    """A notification the worker gave up on."""

    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> Kind: ...
    @property
    def booking_id(self) -> int | None: ...
    @property
    def attempts(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Notification:
    kind: Kind
    key: str
    """Unique: writing the same notification twice keeps one, and receivers that understand
    it (an e-mail's Message-ID) see a redelivery as the same message."""
    due_at: datetime
    booking_id: int | None = None
    change: Change | None = None
    sequence: int = 0
    depends_on: str | None = None
    """Key of a notification that must be delivered first (the meeting whose link it shows)."""
    detail: str = ""
    """Kind-specific: the reminder's lead in minutes, the alert's text."""


MOVED_FROM = "from:"
"""A reschedule's staff ping carries the old start in its detail: "from:<epoch seconds>"."""


def notifications_for(
    change: Change,
    booking: Booking,
    now: datetime,
    reminders_before: Sequence[timedelta] = (),
    moved_from: datetime | None = None,
) -> list[Notification]:
    """Everything one change of one booking sets in motion. `moved_from`: the start before a
    reschedule, which the staff group's ping gives beside the new one."""
    prefix = f"booking-{booking.id}-{booking.sequence}"
    video_call = booking.mode is Mode.VIDEO_CALL
    meeting_key = f"{prefix}-{Kind.MEETING.value}" if video_call else None

    def notification(
        kind: Kind, due_at: datetime = now, detail: str = "", shows_link: bool = True
    ) -> Notification:
        key = f"{prefix}-{kind.value}" + (f"-{detail}" if detail else "")
        waits_for = meeting_key if shows_link and kind is not Kind.MEETING else None
        return Notification(
            kind, key, due_at, booking.id, change, booking.sequence, waits_for, detail
        )

    planned: list[Notification] = []
    if video_call:
        planned.append(notification(Kind.MEETING))
    planned.append(notification(Kind.CITIZEN_EMAIL))
    third = booking.third_person
    if video_call and third is not None and third.email:
        planned.append(notification(Kind.THIRD_PERSON_EMAIL))
    was = f"{MOVED_FROM}{int(moved_from.timestamp())}" if moved_from else ""
    planned.append(notification(Kind.STAFF_PING, detail=was, shows_link=False))
    planned.append(notification(Kind.STAFF_CALENDAR))
    if change is Change.CANCELLED and booking.cancelled_by_office:
        planned.append(notification(Kind.CHAT_NOTICE, shows_link=False))
    if change is not Change.CANCELLED:
        for lead in reminders_before:
            due = booking.starts_at - lead
            if due > now:
                minutes = str(int(lead.total_seconds() // 60))
                planned += [notification(kind, due, minutes) for kind in REMINDERS]
    return planned


def undelivered_alert(given_up: Undelivered, now: datetime, error: str = "") -> Notification:
    """What the staff group is told when a notification is given up on: what, after how many
    attempts, and why (errors never carry personal data)."""
    return Notification(
        Kind.STAFF_ALERT,
        f"alert-{given_up.key}",
        now,
        given_up.booking_id,
        detail=f"{given_up.kind.value}:{given_up.attempts}:{error}"[:200],
    )
