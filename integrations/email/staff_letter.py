"""What the staff member who takes a booking reads about it, in Greek: every detail the group
ping leaves out (the citizen's e-mail and mobile, the third person's address), the join link,
and the documents to ask for. The same words go into their Outlook event or, without Teams, into
an e-mail with a calendar file of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum

from domain.model import CANCELLED_BY_CITIZEN, Booking, Mode, Municipality, StaffMember
from integrations.email.calendar_file import calendar_file
from integrations.email.compose import Sender, environment
from integrations.meetings.provider import EventText
from locales.texts import Texts

STAFF_LANGUAGE = "el"


class StaffNotice(StrEnum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    MOVED_AWAY = "moved_away"
    """The booking went to another staff member: it leaves this one's calendar."""

    @property
    def retracts(self) -> bool:
        return self in (StaffNotice.CANCELLED, StaffNotice.MOVED_AWAY)


@dataclass(frozen=True, slots=True)
class StaffLetter:
    notice: StaffNotice
    booking: Booking
    municipality: Municipality
    join_url: str | None


def _context(letter: StaffLetter, texts: Texts) -> dict[str, object]:
    booking, municipality = letter.booking, letter.municipality
    service = municipality.service(booking.service_id)
    video_call = booking.mode is Mode.VIDEO_CALL
    third = booking.third_person
    third_line = ""
    if third is not None and (third.full_name or third.email):
        third_line = texts(
            "staff.calendar.third", name=third.full_name or "-", email=third.email or "-"
        )
    return {
        "t": texts,
        "kind": letter.notice.value,
        "retracted": letter.notice.retracts,
        "cancelled_by": _cancelled_by(letter, texts),
        "reference": booking.reference,
        "service": service.name.el if service else booking.service_id,
        "mode": texts(f"mode.{booking.mode.value}"),
        "when": _when(letter, texts),
        "place": "" if video_call else municipality.office_address.el,
        "citizen": booking.contact.full_name,
        "email": booking.contact.email,
        "phone": booking.contact.phone,
        "subject": booking.subject,
        "application_number": booking.application_number,
        "third_person": third_line,
        "video_call": video_call,
        "join_url": letter.join_url,
        "documents": service.documents.el if service else "",
    }


def _when(letter: StaffLetter, texts: Texts) -> str:
    zone = letter.municipality.time_zone
    return texts.when(letter.booking.starts_at, zone, zone)


def _cancelled_by(letter: StaffLetter, texts: Texts) -> str:
    if letter.notice is not StaffNotice.CANCELLED:
        return ""
    by = letter.booking.cancelled_by
    if by is None or by == CANCELLED_BY_CITIZEN:
        return texts("staff.calendar.cancelled_by.citizen")
    member = letter.municipality.staff_member(by)
    return texts("staff.calendar.cancelled_by.staff", name=member.name if member else by)


def event_text(letter: StaffLetter) -> EventText:
    """The Outlook event's subject and body. The subject starts with the reference, which is
    how the free/busy reader knows the office's own events; it carries no name, because
    colleagues who share the calendar see subjects (the body is the organizer's alone)."""
    texts = Texts(STAFF_LANGUAGE)
    context = _context(letter, texts)
    html = environment().get_template("staff.html").render(context)
    return EventText(_event_subject(letter, texts, context), html, str(context["place"]))


def _event_subject(letter: StaffLetter, texts: Texts, context: dict[str, object]) -> str:
    return texts(
        "staff.calendar.event_subject",
        reference=letter.booking.reference,
        service=context["service"],
    )


def cancel_comment(booking: Booking) -> str:
    return Texts(STAFF_LANGUAGE)("staff.calendar.cancel_comment", reference=booking.reference)


def staff_email(
    letter: StaffLetter, member: StaffMember, sender: Sender, now: datetime, message_id: str
) -> EmailMessage:
    texts = Texts(STAFF_LANGUAGE)
    context = _context(letter, texts)
    booking = letter.booking
    message = EmailMessage()
    message["Subject"] = texts(
        f"staff.calendar.subject.{letter.notice.value}",
        reference=booking.reference,
        citizen=booking.contact.full_name,
        when=context["when"],
    )
    message["From"] = Address(sender.name, addr_spec=sender.address)
    message["To"] = Address(member.name, addr_spec=member.email)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    plain = environment().get_template("staff.txt").render(context)
    message.set_content(plain)
    message.add_alternative(
        environment().get_template("staff.html").render(context), subtype="html"
    )
    retracts = letter.notice.retracts
    ics = calendar_file(
        uid=f"{booking.reference}-staff@{sender.domain}",  # not the citizen's UID
        sequence=booking.sequence,
        cancelled=retracts,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        summary=_event_subject(letter, texts, context),
        description=plain,
        location=letter.join_url or str(context["place"]),
        organizer=(sender.name, sender.address),
        attendee=(member.name, member.email),
        now=now,
    )
    message.add_attachment(
        ics,
        subtype="calendar",
        filename="rantevou.ics",
        params={"method": "CANCEL" if retracts else "REQUEST"},
    )
    return message
