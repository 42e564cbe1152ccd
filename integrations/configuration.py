"""Reads a deployment's TOML file into the domain's immutable objects.

Any problem stops start-up with one line naming the file, the key and what is wrong, e.g.
`config/chania.toml: municipality[1].staff[2].hours.mon: '25:00' is not a time of day (HH:MM)`.
Entries of arrays are counted from 1, as a person reading the file counts them.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from domain.model import (
    BookingRules,
    Configuration,
    DeskRules,
    LocalizedText,
    MinimumNotice,
    Mode,
    Municipality,
    NextWorkingDay,
    Period,
    PrivacyRules,
    Role,
    Service,
    StaffMember,
    TimeRange,
    WeeklyHours,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_STEPS_DIVIDING_AN_HOUR = (5, 10, 15, 20, 30, 60)

T = TypeVar("T")
_TYPE_NAMES = {str: "a string", int: "a whole number", list: "a list", dict: "a table"}


class ConfigError(Exception):
    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        super().__init__(f"{path}: {key}: {problem}")


class _Table:
    """A TOML table being read: knows its key for error messages, and refuses keys it does not
    know (a misspelt key would otherwise be silently ignored)."""

    def __init__(self, data: dict[str, Any], key: str, path: Path) -> None:
        self._data, self.key, self.path = data, key, path
        self._read: set[str] = set()

    def error(self, name: str, problem: str) -> ConfigError:
        return ConfigError(self.path, self._child(name), problem)

    def _child(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def has(self, name: str) -> bool:
        return name in self._data

    def peek(self, name: str) -> object:
        """The raw value, to tell which of two accepted forms it has."""
        return self._data.get(name)

    def get(self, name: str, kind: type[T], default: T | None = None) -> T:
        self._read.add(name)
        if name not in self._data:
            if default is None:
                raise self.error(name, "missing key")
            return default
        value = self._data[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            expected = _TYPE_NAMES.get(kind, kind.__name__)
            raise self.error(name, f"expected {expected}, found {value!r}")
        return value

    def text(self, name: str, default: str | None = None) -> str:
        value = self.get(name, str, default).strip()
        if not value and default is None:
            raise self.error(name, "must not be empty")
        return value

    def optional_text(self, name: str) -> str | None:
        return self.get(name, str, "").strip() or None

    def table(self, name: str) -> _Table:
        return _Table(self.get(name, dict), self._child(name), self.path)

    def tables(self, name: str, *, required: bool = True) -> list[_Table]:
        values = self.get(name, list, None if required else [])
        if required and not values:
            raise self.error(name, "needs at least one entry")
        result = []
        for number, value in enumerate(values, start=1):
            key = f"{self._child(name)}[{number}]"
            if not isinstance(value, dict):
                raise ConfigError(self.path, key, f"expected a table, found {value!r}")
            result.append(_Table(value, key, self.path))
        return result

    def strings(self, name: str) -> list[str]:
        values = self.get(name, list)
        if not all(isinstance(v, str) for v in values):
            raise self.error(name, f"expected a list of strings, found {values!r}")
        return values

    def localized(self, name: str) -> LocalizedText:
        table = self.table(name)
        text = LocalizedText(el=table.text("el"), en=table.text("en"))
        table.done()
        return text

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise self.error(unknown[0], "unknown key (misspelt?)")


def load_configuration(path: Path | str) -> Configuration:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, "(file)", f"cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(syntax)", str(exc)) from None
    root = _Table(raw, "", path)
    municipalities = tuple(_municipality(t) for t in root.tables("municipality"))
    root.done()
    _unique(root, "municipality", [m.id for m in municipalities])
    staff_ids = [s.id for m in municipalities for s in m.staff]
    _unique(root, "municipality[].staff", staff_ids)
    telegram_ids = [str(s.telegram_user_id) for m in municipalities for s in m.staff]
    _unique(
        root, "municipality[].staff[].telegram_user_id", [t for t in telegram_ids if t != "None"]
    )
    return Configuration(municipalities)


def _unique(table: _Table, name: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise table.error(name, f"id {value!r} is used twice")
        seen.add(value)


def _municipality(table: _Table) -> Municipality:
    municipality_id = table.text("id")
    tz = _time_zone(table, "time_zone")
    country = table.text("holiday_country")
    try:
        public_holidays = holidays.country_holidays(country)
    except NotImplementedError:
        raise table.error("holiday_country", f"no public holidays known for {country!r}") from None
    prefix = table.text("reference_prefix")
    if not re.fullmatch(r"[A-Z]{2,5}", prefix):
        raise table.error("reference_prefix", "must be 2 to 5 Latin capital letters, e.g. XAN")
    services = tuple(_service(t) for t in table.tables("service"))
    _unique(table, "service", [s.id for s in services])
    service_ids = {s.id for s in services}
    staff = tuple(_staff(t, service_ids, tz) for t in table.tables("staff"))
    for service in services:
        if not any(service.id in member.service_ids for member in staff):
            raise table.error("service", f"no staff member offers {service.id!r}")
    municipality = Municipality(
        id=municipality_id,
        name=table.localized("name"),
        time_zone=tz,
        office_address=table.localized("office_address"),
        reference_prefix=prefix,
        services=services,
        staff=staff,
        rules=_rules(table.table("booking")),
        public_holidays=public_holidays,
        closures=tuple(_period(t, tz) for t in table.tables("closure", required=False)),
        desk=_desk(table.table("staff_desk")) if table.has("staff_desk") else DeskRules(),
        privacy=_privacy(table.table("privacy")) if table.has("privacy") else PrivacyRules(),
        office_phone=_phone(table),
        office_hours=table.localized("office_hours") if table.has("office_hours") else None,
    )
    table.done()
    return municipality


def _desk(table: _Table) -> DeskRules:
    defaults = DeskRules()
    desk = DeskRules(
        morning_list_at=_time_of_day(table, "morning_list_at", defaults.morning_list_at),
        unmarked_nudge_at=_time_of_day(table, "unmarked_nudge_at", defaults.unmarked_nudge_at),
    )
    table.done()
    return desk


def _phone(table: _Table) -> str:
    phone = table.text("office_phone", "")
    if phone and not re.fullmatch(r"\+?[\d ()-]{6,20}", phone):
        raise table.error("office_phone", f"{phone!r} is not a phone number, e.g. +30 28210 12345")
    return phone


def _privacy(table: _Table) -> PrivacyRules:
    defaults = PrivacyRules()
    rules = PrivacyRules(
        keep_appointments_days=_positive(
            table, "keep_appointments_days", defaults.keep_appointments_days
        ),
        keep_idle_conversations_days=_positive(
            table, "keep_idle_conversations_days", defaults.keep_idle_conversations_days
        ),
        keep_delivered_notifications_days=_positive(
            table, "keep_delivered_notifications_days", defaults.keep_delivered_notifications_days
        ),
        keep_seen_updates_days=_positive(
            table, "keep_seen_updates_days", defaults.keep_seen_updates_days
        ),
        data_protection_officer=table.text("data_protection_officer", ""),
    )
    if rules.keep_seen_updates_days < 2:
        # Telegram retries an update for 24 hours: a shorter memory would handle it twice.
        raise table.error(
            "keep_seen_updates_days", "must be at least 2 (Telegram retries for a day)"
        )
    table.done()
    return rules


def _time_of_day(table: _Table, name: str, default: time | None) -> time | None:
    text = table.text(name, default.strftime("%H:%M") if default else "off")
    if text.strip().lower() == "off":
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise table.error(name, f'{text!r} is not a time of day (HH:MM) or "off"')
    return time(int(match[1]), int(match[2]))


def _time_zone(table: _Table, name: str) -> ZoneInfo:
    value = table.text(name)
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise table.error(name, f"unknown time zone {value!r} (e.g. Europe/Athens)") from None


def _rules(table: _Table) -> BookingRules:
    defaults = BookingRules()
    step = table.get("slot_step_minutes", int, 15)
    if step not in _STEPS_DIVIDING_AN_HOUR:
        raise table.error("slot_step_minutes", f"must divide an hour: {_STEPS_DIVIDING_AN_HOUR}")
    rules = BookingRules(
        slot_step=timedelta(minutes=step),
        minimum_notice=_notice(table),
        window_days=_positive(table, "window_days", defaults.window_days),
        buffer=timedelta(minutes=_non_negative(table, "buffer_minutes", 0)),
        max_active_bookings_per_citizen=_positive(
            table, "max_active_bookings_per_citizen", defaults.max_active_bookings_per_citizen
        ),
        reminders_before=_reminders(table),
    )
    table.done()
    return rules


def _positive(table: _Table, name: str, default: int) -> int:
    value = table.get(name, int, default)
    if value < 1:
        raise table.error(name, f"must be at least 1, found {value}")
    return value


def _non_negative(table: _Table, name: str, default: int) -> int:
    value = table.get(name, int, default)
    if value < 0:
        raise table.error(name, f"must not be negative, found {value}")
    return value


def _reminders(table: _Table) -> tuple[timedelta, ...]:
    values = table.get("reminders_before", list, ["1d", "2h"])
    leads = {_duration(table, "reminders_before", value) for value in values}
    return tuple(sorted(leads, reverse=True))


def _duration(table: _Table, name: str, value: object) -> timedelta:
    match = _DURATION.match(str(value))
    if not match:
        raise table.error(name, f"{value!r}: use a duration like '24h', '90m', '2d'")
    amount, unit = match.groups()
    return timedelta(**{_DURATION_UNITS[unit]: int(amount)})


def _notice(table: _Table) -> MinimumNotice:
    value = table.text("minimum_notice", "next_working_day")
    if value == "next_working_day":
        return NextWorkingDay()
    if not _DURATION.match(value):
        raise table.error(
            "minimum_notice", f"{value!r}: use 'next_working_day' or a duration like '24h', '90m'"
        )
    return _duration(table, "minimum_notice", value)


def _service(table: _Table) -> Service:
    duration = _positive(table, "duration_minutes", 20)
    service = Service(
        id=table.text("id"),
        name=table.localized("name"),
        summary=table.localized("summary"),
        description=table.localized("description"),
        documents=table.localized("documents"),
        duration=timedelta(minutes=duration),
        modes=_modes(table),
        short_name=table.localized("short_name") if table.has("short_name") else None,
    )
    table.done()
    return service


def _modes(table: _Table) -> frozenset[Mode]:
    if not table.has("modes"):
        table.get("modes", list, [])
        return frozenset(Mode)
    names = table.strings("modes")
    known = {m.value for m in Mode}
    for name in names:
        if name not in known:
            raise table.error("modes", f"unknown mode {name!r} (known: {', '.join(sorted(known))})")
    if not names:
        raise table.error("modes", "needs at least one mode")
    return frozenset(Mode(n) for n in names)


def _staff(table: _Table, service_ids: set[str], tz: ZoneInfo) -> StaffMember:
    services = table.strings("services")
    for service_id in services:
        if service_id not in service_ids:
            known = ", ".join(sorted(service_ids))
            raise table.error("services", f"unknown service {service_id!r} (known: {known})")
    email = table.text("email")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise table.error("email", f"{email!r} is not an email address")
    telegram_user_id = table.get("telegram_user_id", int, 0)
    role = table.text("role", Role.STAFF.value)
    if role not in {r.value for r in Role}:
        raise table.error("role", f"{role!r} is not a role (staff or manager)")
    name = table.localized("name") if isinstance(table.peek("name"), dict) else None
    member = StaffMember(
        id=table.text("id"),
        name=name.el if name else table.text("name"),
        name_en=name.en if name else None,
        email=email,
        service_ids=frozenset(services),
        modes=_modes(table),
        weekly_hours=_weekly_hours(table.table("hours")),
        time_off=tuple(_period(t, tz) for t in table.tables("time_off", required=False)),
        teams_user_id=table.optional_text("teams_user_id"),
        telegram_user_id=telegram_user_id or None,
        role=Role(role),
    )
    table.done()
    return member


def _weekly_hours(table: _Table) -> WeeklyHours:
    week = tuple(_day_hours(table, day) for day in WEEKDAYS)
    table.done()
    return week


def _day_hours(table: _Table, day: str) -> tuple[TimeRange, ...]:
    ranges = sorted(
        (_time_range(table, day, text) for text in table.get(day, list, [])),
        key=lambda r: r.start,
    )
    for earlier, later in pairwise(ranges):
        if later.start < earlier.end:
            raise table.error(day, f"hours {_show(earlier)} and {_show(later)} overlap")
    return tuple(ranges)


def _show(time_range: TimeRange) -> str:
    return f"'{time_range.start:%H:%M}-{time_range.end:%H:%M}'"


def _time_range(table: _Table, day: str, text: object) -> TimeRange:
    match = _HOURS.match(text) if isinstance(text, str) else None
    if not match:
        raise table.error(day, f"{text!r} is not a range of hours like '08:30-14:30'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    for hour, minute in ((h1, m1), (h2, m2)):
        if hour > 23 or minute > 59:
            raise table.error(day, f"'{hour:02d}:{minute:02d}' is not a time of day (HH:MM)")
    start, end = time(h1, m1), time(h2, m2)
    if end <= start:
        raise table.error(day, f"{text!r} ends before it starts")
    return TimeRange(start, end)


def _period(table: _Table, tz: ZoneInfo) -> Period:
    start = _instant(table, "start", tz, end_of_day=False)
    end = _instant(table, "end", tz, end_of_day=True)
    if end <= start:
        raise table.error("end", "is not after start")
    period = Period(start, end, table.get("reason", str, ""))
    table.done()
    return period


def _instant(table: _Table, name: str, tz: ZoneInfo, *, end_of_day: bool) -> datetime:
    """A TOML date (a whole day: the end date is included) or a local date-time."""
    value = table.get(name, object)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise table.error(
                name, "give the local time without an offset, e.g. 2026-12-24T12:00:00"
            )
        return value.replace(tzinfo=tz)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end_of_day else value
        return datetime.combine(day, time(0), tzinfo=tz)
    raise table.error(
        name, f"expected a date like 2026-12-24 or 2026-12-24T12:00:00, found {value!r}"
    )
