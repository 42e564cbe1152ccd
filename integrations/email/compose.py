"""Booking e-mails: the words from the gettext catalogs, the layout from Jinja2 templates (plain
text and HTML), and the calendar file attached as text with its charset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.model import Booking, Mode, Municipality
from integrations.email.calendar_file import calendar_file
from locales.texts import Texts

TEMPLATES = Path(__file__).with_name("templates")


class LetterKind(StrEnum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    REMINDER = "reminder"
    INVITATION = "invitation"
    INVITATION_CANCELLED = "invitation_cancelled"

    @property
    def cancels(self) -> bool:
        return self in (LetterKind.CANCELLED, LetterKind.INVITATION_CANCELLED)

    @property
    def to_third_person(self) -> bool:
        return self in (LetterKind.INVITATION, LetterKind.INVITATION_CANCELLED)


@dataclass(frozen=True, slots=True)
class Letter:
    """One e-mail about one booking, to one person, in their language."""

    kind: LetterKind
    booking: Booking
    municipality: Municipality
    language: str
    time_zone: ZoneInfo
    recipient: tuple[str, str]
    """(name, address)"""
    join_url: str | None = None
    manage_url: str | None = None

    @property
    def on_teams(self) -> bool:
        """Teams' own words (its lobby, «Συμμετοχή τώρα») only for a Teams meeting's link."""
        host = urlsplit(self.join_url).hostname if self.join_url else None
        return bool(host) and host in TEAMS_HOSTS


TEAMS_HOSTS = {"teams.microsoft.com", "teams.live.com"}


@dataclass(frozen=True, slots=True)
class Sender:
    name: str
    address: str
    domain: str

    @classmethod
    def parse(cls, mail_from: str, fallback_name: str) -> Sender:
        """`MAIL_FROM` as `Name <address>` or a bare address."""
        name, _, address = mail_from.rpartition("<")
        address = address.rstrip(">").strip() or mail_from.strip()
        return cls(name.strip() or fallback_name, address, address.rpartition("@")[2])


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def booking_email(letter: Letter, sender: Sender, now: datetime, message_id: str) -> EmailMessage:
    texts = Texts(letter.language)
    booking, municipality = letter.booking, letter.municipality
    service = municipality.service(booking.service_id)
    staff = municipality.staff_member(booking.staff_id)
    when = texts.when(booking.starts_at, letter.time_zone, municipality.time_zone)
    office = municipality.name.in_language(letter.language)
    service_name = service.name.in_language(letter.language) if service else booking.service_id
    video_call = booking.mode is Mode.VIDEO_CALL
    place = "" if video_call else municipality.office_address.in_language(letter.language)
    context = {
        "t": texts,
        "kind": letter.kind.value,
        "cancels": letter.kind.cancels,
        "office_reason": (
            texts.cancel_reason(booking.cancel_reason) or texts("cancel_reason.none")
            if letter.kind.cancels and booking.cancelled_by_office
            else ""
        ),
        "to_third_person": letter.kind.to_third_person,
        "name": letter.recipient[0],
        "citizen": booking.contact.full_name,
        "office": office,
        "reference": booking.reference,
        "service": service_name,
        "mode": texts(f"mode.{booking.mode.value}"),
        "when": when,
        "staff": staff.name_in(letter.language) if staff else "",
        "place": place,
        "video_call": video_call,
        "join_url": letter.join_url,
        "on_teams": letter.on_teams,
        "subject": booking.subject,
        "application_number": booking.application_number,
        "third_person": booking.third_person.full_name if booking.third_person else None,
        "documents": service.documents.in_language(letter.language) if service else "",
        "manage_url": letter.manage_url,
    }
    message = EmailMessage()
    message["Subject"] = texts(
        f"email.subject.{letter.kind.value}", reference=booking.reference, when=when, office=office
    )
    message["From"] = Address(sender.name, addr_spec=sender.address)
    message["To"] = Address(letter.recipient[0], addr_spec=letter.recipient[1])
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(environment().get_template("booking.txt").render(context))
    message.add_alternative(
        environment().get_template("booking.html").render(context), subtype="html"
    )
    method = "CANCEL" if letter.kind.cancels else "REQUEST"
    ics = calendar_file(
        uid=f"{booking.reference}@{sender.domain}",
        sequence=booking.sequence,
        cancelled=letter.kind.cancels,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        summary=texts("calendar.summary", service=service_name),
        description=_calendar_description(texts, booking.reference, letter.join_url),
        location=letter.join_url or place,
        organizer=(sender.name, sender.address),
        attendee=letter.recipient,
        now=now,
    )
    message.add_attachment(
        ics, subtype="calendar", filename="rantevou.ics", params={"method": method}
    )
    return message


def _calendar_description(texts: Texts, reference: str, join_url: str | None) -> str:
    lines = [texts("email.reference", value=reference)]
    if join_url:
        lines.append(f"{texts('email.join')}: {join_url}")
    return "\n".join(lines)
