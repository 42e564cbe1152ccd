"""What the citizen reads about their personal data: the privacy notice (in the chat and on the
web page), the declaration they accept, and what is kept about them (a message and a file)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.model import (
    CANCELLED_BY_CITIZEN,
    Booking,
    Declaration,
    Mode,
    Municipality,
    declaration_hash,
)
from domain.personal_data import KeptData
from locales.texts import Texts

DECLARATION_KEYS = {Mode.VIDEO_CALL: "consent.text", Mode.IN_PERSON: "consent.in_person"}
"""The in-person declaration leaves out the video call's clauses (its recording, its lobby)."""


LISTED = 8
"""Bookings listed per group in the message (it must fit one chat message); the file has all."""


def declaration(mode: Mode) -> Declaration:
    key = DECLARATION_KEYS[mode]
    return Declaration(el=Texts("el")(key), en=Texts("en")(key))


def privacy_notice(texts: Texts, municipality: Municipality) -> str:
    """The periods come from the configuration, the same values the purge uses."""
    language = texts.language
    rules = municipality.privacy
    address = municipality.office_address.in_language(language)
    body = texts(
        "privacy.notice",
        controller=municipality.name.in_language(language),
        address=address,
        appointments=rules.keep_appointments_days,
        conversations=rules.keep_idle_conversations_days,
        notifications=rules.keep_delivered_notifications_days,
        dpo=rules.data_protection_officer or address,
    )
    return f"{texts('privacy.title')}\n\n{body}"


def privacy_link(texts: Texts, privacy_url: str | None) -> str:
    """The line that links to the notice's web page in the reader's language; "" without one."""
    if not privacy_url:
        return ""
    url = f"{privacy_url}?lang={texts.language}"
    return "\n\n" + texts("consent.privacy_link", url=url)


def kept_summary(texts: Texts, kept: KeptData, now: datetime, municipality: Municipality) -> str:
    citizen = kept.citizen
    if citizen is None:
        days = municipality.privacy.keep_idle_conversations_days
        return texts("mydata.nothing", days=days)
    zone = ZoneInfo(citizen.time_zone)
    lines = [texts("mydata.title")]
    contact = citizen.contact
    if contact is not None:
        lines.append(
            texts(
                "mydata.details", name=contact.full_name, email=contact.email, phone=contact.phone
            )
        )
    else:
        lines.append(texts("mydata.no_details"))
    language = "Ελληνικά" if citizen.language == "el" else "English"
    lines.append(texts("mydata.preferences", language=language, zone=citizen.time_zone))
    upcoming = [b for b in kept.bookings if b.is_active and b.ends_at > now]
    others = [b for b in kept.bookings if b not in upcoming]
    for key, group in (("mydata.upcoming", upcoming), ("mydata.past", others)):
        lines.append(texts(key, count=len(group)))
        lines.extend(_booking_line(texts, b, zone, municipality) for b in group[-LISTED:])
        if len(group) > LISTED:
            lines.append(texts("mydata.more", count=len(group) - LISTED))
    if kept.bookings:
        consents = sorted(
            {f"{b.consent_version} ({b.consented_at:%Y-%m-%d})" for b in kept.bookings}
        )
        lines.append(texts("mydata.consents", consents=", ".join(consents)))
    lines.append(texts("mydata.file"))
    return "\n".join(lines)


def _booking_line(
    texts: Texts, booking: Booking, zone: ZoneInfo, municipality: Municipality
) -> str:
    service = municipality.service(booking.service_id)
    return texts(
        "mydata.booking",
        reference=booking.reference,
        when=texts.when(booking.starts_at, zone, municipality.time_zone),
        service=service.name.in_language(texts.language) if service else booking.service_id,
        status=texts(f"mydata.status.{booking.status.value}"),
    )


def kept_file(kept: KeptData, municipality: Municipality, now: datetime) -> bytes:
    """Everything kept, machine-readable (GDPR Art. 15 and 20): times in UTC, ISO 8601."""
    citizen = kept.citizen
    document: dict[str, object] = {
        "controller": municipality.name.en,
        "exported_at": now.isoformat(),
        "citizen": None,
        "bookings": [],
        "declarations": {},
    }
    if citizen is not None:
        contact = citizen.contact
        document["citizen"] = {
            "channel": citizen.identity.channel,
            "channel_user_id": citizen.identity.user_id,
            "full_name": contact.full_name if contact else None,
            "email": contact.email if contact else None,
            "phone": contact.phone if contact else None,
            "language": citizen.language,
            "time_zone": citizen.time_zone,
        }
        document["bookings"] = [_booking_record(b, municipality) for b in kept.bookings]
        document["declarations"] = {
            text_hash: {"el": d.el, "en": d.en} for text_hash, d in kept.declarations.items()
        }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def _booking_record(booking: Booking, municipality: Municipality) -> dict[str, object]:
    third = booking.third_person
    service = municipality.service(booking.service_id)
    staff = municipality.staff_member(booking.staff_id)
    return {
        "reference": booking.reference,
        "service": service.name.en if service else booking.service_id,
        "mode": booking.mode.value,
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "staff_member": staff.name if staff else booking.staff_id,
        "status": booking.status.value,
        "full_name": booking.contact.full_name,
        "email": booking.contact.email,
        "phone": booking.contact.phone,
        "subject": booking.subject,
        "application_number": booking.application_number,
        "third_person": {"full_name": third.full_name, "email": third.email} if third else None,
        "consent_version": booking.consent_version,
        "consent_text": declaration_hash(booking.consent_version),
        "consented_at": booking.consented_at.isoformat(),
        "created_at": booking.created_at.isoformat(),
        "cancelled_by": _cancelled_by(booking),
        "attendance": booking.attendance.value if booking.attendance else None,
    }


def _cancelled_by(booking: Booking) -> str | None:
    if booking.cancelled_by is None:
        return None
    return "you" if booking.cancelled_by == CANCELLED_BY_CITIZEN else "office"
