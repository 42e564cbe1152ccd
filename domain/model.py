"""The things a municipal clerk talks about, as immutable values.

Instants are timezone-aware datetimes in UTC; wall-clock times (working hours) are naive `time`s
in the municipality's zone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Mode(StrEnum):
    IN_PERSON = "in_person"
    VIDEO_CALL = "video_call"


class BookingStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Attendance(StrEnum):
    """What the staff member recorded after the appointment."""

    ATTENDED = "attended"
    EXCUSED = "excused"
    """Did not come, with a reason given."""
    NO_SHOW = "no_show"
    """Did not come, and gave no reason."""


class CancelReason(StrEnum):
    """The reasons a clerk picks from when the office calls an appointment off; anything
    else is typed and kept as typed."""

    ILLNESS = "illness"
    OFFICE_CLOSED = "office_closed"
    CITIZEN_ASKED = "citizen_asked"


class Role(StrEnum):
    STAFF = "staff"
    MANAGER = "manager"
    """Sees and acts on everyone's appointments, and the office's figures."""


@dataclass(frozen=True, slots=True)
class LocalizedText:
    el: str
    en: str

    def in_language(self, language: str) -> str:
        return self.el if language == "el" else self.en


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: LocalizedText
    summary: LocalizedText
    description: LocalizedText
    documents: LocalizedText
    duration: timedelta
    modes: frozenset[Mode]
    short_name: LocalizedText | None = None
    """For buttons, which a phone cuts at about 40 characters («Αυθαίρετα»)."""

    def button_name(self, language: str) -> str:
        return (self.short_name or self.name).in_language(language)


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A wall-clock range within one day, [start, end)."""

    start: time
    end: time


WeeklyHours = tuple[tuple[TimeRange, ...], ...]
"""Seven entries, Monday first; each the day's working ranges in order (a gap is a break)."""


@dataclass(frozen=True, slots=True)
class Period:
    """A span of real time, [start, end), in aware datetimes."""

    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: str
    name: str
    """As the office writes it (Greek): what staff and their calendars see."""
    email: str
    service_ids: frozenset[str]
    modes: frozenset[Mode]
    weekly_hours: WeeklyHours
    time_off: tuple[Period, ...] = ()
    teams_user_id: str | None = None
    telegram_user_id: int | None = None
    role: Role = Role.STAFF
    name_en: str | None = None
    """In Latin letters, for citizens who read English («Eleni Markaki»)."""

    def name_in(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER

    def offers(self, service_id: str, mode: Mode) -> bool:
        return service_id in self.service_ids and mode in self.modes


@dataclass(frozen=True, slots=True)
class NextWorkingDay:
    """Minimum notice: bookings start from the next day the office is open."""


MinimumNotice = timedelta | NextWorkingDay
NEXT_WORKING_DAY = NextWorkingDay()


@dataclass(frozen=True, slots=True)
class BookingRules:
    slot_step: timedelta = timedelta(minutes=15)
    minimum_notice: MinimumNotice = NEXT_WORKING_DAY
    window_days: int = 30
    buffer: timedelta = timedelta(0)
    max_active_bookings_per_citizen: int = 3
    reminders_before: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=2))
    """When citizens are reminded, before the start; a reminder already due is not sent."""


@dataclass(frozen=True, slots=True)
class DeskRules:
    """When the staff desk writes to the staff on its own (local times, working days)."""

    morning_list_at: time | None = time(7, 45)
    """Each staff member's day, privately; the managers get the office's. None: not sent."""
    unmarked_nudge_at: time | None = time(15, 0)
    """After the day: one message listing the appointments left without an attendance."""


@dataclass(frozen=True, slots=True)
class PrivacyRules:
    """How long personal data is kept, and whom citizens ask about it (the privacy notice)."""

    keep_appointments_days: int = 730
    """After an appointment's day, its personal fields are erased (what statistics need
    stays: service, mode, time, staff member, outcome, consent version)."""
    keep_idle_conversations_days: int = 30
    keep_delivered_notifications_days: int = 30
    keep_seen_updates_days: int = 2
    data_protection_officer: str = ""
    """The DPO's e-mail (or phone), shown in the privacy notice."""


@dataclass(frozen=True, eq=False)
class Municipality:
    id: str
    name: LocalizedText
    time_zone: ZoneInfo
    office_address: LocalizedText
    reference_prefix: str
    services: tuple[Service, ...]
    staff: tuple[StaffMember, ...]
    rules: BookingRules
    public_holidays: Container[date]
    closures: tuple[Period, ...] = ()
    desk: DeskRules = DeskRules()
    privacy: PrivacyRules = PrivacyRules()
    office_phone: str = ""
    """Where a citizen reaches a person: shown in Help and wherever the chat cannot help."""
    office_hours: LocalizedText | None = None
    _services_by_id: dict[str, Service] = field(init=False, repr=False)
    _staff_by_id: dict[str, StaffMember] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_services_by_id", {s.id: s for s in self.services})
        object.__setattr__(self, "_staff_by_id", {s.id: s for s in self.staff})

    def service(self, service_id: str) -> Service | None:
        return self._services_by_id.get(service_id)

    def staff_member(self, staff_id: str) -> StaffMember | None:
        return self._staff_by_id.get(staff_id)

    def staff_by_telegram_id(self, telegram_user_id: int) -> StaffMember | None:
        return next((s for s in self.staff if s.telegram_user_id == telegram_user_id), None)

    def staff_offering(self, service_id: str, mode: Mode) -> tuple[StaffMember, ...]:
        return tuple(s for s in self.staff if s.offers(service_id, mode))

    def is_closed_on(self, day: date) -> bool:
        """A public holiday: nobody works. (Closures are periods, applied like time off.)"""
        return day in self.public_holidays

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.time_zone).date()


@dataclass(frozen=True)
class Configuration:
    municipalities: tuple[Municipality, ...]

    def municipality(self, municipality_id: str) -> Municipality | None:
        return next((m for m in self.municipalities if m.id == municipality_id), None)


@dataclass(frozen=True, slots=True)
class ChannelIdentity:
    """Who a citizen is to us: their account on one chat channel."""

    channel: str
    user_id: str


@dataclass(frozen=True, slots=True)
class ContactDetails:
    full_name: str
    email: str
    phone: str


@dataclass(frozen=True, slots=True)
class ThirdPerson:
    """Someone the citizen brings to a video call: an engineer, a lawyer, the owner."""

    full_name: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class BookingDetails:
    """What the citizen told us, as opposed to when and with whom."""

    contact: ContactDetails
    subject: str
    application_number: str | None = None
    third_person: ThirdPerson | None = None


@dataclass(frozen=True, slots=True)
class Citizen:
    id: int
    identity: ChannelIdentity
    contact: ContactDetails | None = None
    language: str = "el"
    time_zone: str = "Europe/Athens"


@dataclass(frozen=True, slots=True)
class NewBooking:
    """What a booking holds when it is made: the time, the staff member, the citizen's answers."""

    reference: str
    municipality_id: str
    service_id: str
    mode: Mode
    staff_id: str
    staff_chosen_by_citizen: bool
    starts_at: datetime
    ends_at: datetime
    busy_until: datetime
    """ends_at plus the buffer: the staff member's time this booking occupies."""
    citizen_id: int | None
    """None once its personal data is erased."""
    contact: ContactDetails
    subject: str
    application_number: str | None
    third_person: ThirdPerson | None
    consent_version: str
    consented_at: datetime
    created_at: datetime


CANCELLED_BY_CITIZEN = "citizen"


@dataclass(frozen=True, slots=True)
class Booking(NewBooking):
    """A stored booking: its id, and what has happened to it since."""

    id: int
    status: BookingStatus
    sequence: int
    """Raised on every change (a calendar file's SEQUENCE)."""
    updated_at: datetime
    cancelled_by: str | None = None
    """Who cancelled it: CANCELLED_BY_CITIZEN, or a staff member's id."""
    cancel_reason: str | None = None
    """Why the office cancelled it: a CancelReason's value, or the words the staff typed."""
    attendance: Attendance | None = None
    attendance_by: str | None = None
    """The staff id of who recorded the attendance."""
    attendance_at: datetime | None = None
    request_key: str | None = None
    """The key of the summary whose Confirm made it: a replay of that Confirm finds it."""
    last_change_key: str | None = None
    """The key of the summary whose Confirm last moved it."""

    @property
    def cancelled_by_office(self) -> bool:
        return self.cancelled_by is not None and self.cancelled_by != CANCELLED_BY_CITIZEN

    @property
    def is_active(self) -> bool:
        return self.status is BookingStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class Declaration:
    """The declaration and privacy text a citizen accepts before booking, in both languages.
    Bookings keep `version(language)`: the language it was read in, and the texts' hash."""

    el: str
    en: str

    @property
    def text_hash(self) -> str:
        both = json.dumps([self.el, self.en], ensure_ascii=False)
        return hashlib.sha256(both.encode()).hexdigest()[:16]

    def version(self, language: str) -> str:
        return f"{language}-{self.text_hash}"

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.el


def declaration_hash(version: str) -> str:
    """The texts' hash out of a booking's consent version ("el-3f2a…")."""
    return version.rpartition("-")[2]
