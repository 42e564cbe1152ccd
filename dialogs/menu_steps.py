"""Outside a booking: the menu, my bookings, one booking's actions, language and time zone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from dialogs.booking_steps import yes_no_row, yes_or_no
from dialogs.flow import named_in, start_booking, start_reschedule
from dialogs.parsing import GREETINGS, simplified
from dialogs.screens import Choice, Event, Screen
from dialogs.turn import (
    FLOW_START,
    GoTo,
    Outcome,
    Refused,
    Stay,
    Step,
    Turn,
    choice_id,
    screen,
)
from dialogs.turn import value_of as chosen_value
from domain.availability import bookable_range
from domain.errors import BookingRefused
from domain.model import Booking, Mode
from domain.reference import normalize_reference
from domain.use_cases import cancel, upcoming_bookings

log = logging.getLogger(__name__)

TIME_ZONES = (
    "Europe/Athens",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Toronto",
    "Australia/Melbourne",
)


class MenuStep(Step):
    name = "menu"
    title = "Menu"
    exits = (
        ("New booking", FLOW_START),
        ("a sentence naming the mode and the service", "day"),
        ("My bookings", "mine"),
        ("Language", "language"),
        ("Time zone", "timezone"),
        ("Privacy", "privacy"),
    )
    nav = ("help",)
    items = ("book", "mine", "language", "timezone", "privacy")

    async def screen(self, turn: Turn) -> Screen:
        """The citizen's upcoming bookings above the choices: whatever a lost reply did not
        say (the process killed after the commit), the next /start shows."""
        rows = [
            (Choice(choice_id(self.name, item), turn.texts(f"menu.{item}")),) for item in self.items
        ]
        try:
            bookings = await _upcoming(turn)
        except Exception:  # a courtesy: a database failing here must not hide the menu too
            log.warning("the menu could not read the citizen's bookings", exc_info=True)
            bookings = []
        upcoming = [upcoming_list(turn, bookings), ""] if bookings else []
        return screen(turn, self, "\n".join([*upcoming, turn.texts("menu.prompt")]), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value == "book":
            await start_booking(turn, sentence=event.text)
            return Stay()
        if value in ("mine", "language", "timezone", "privacy"):
            return GoTo(value)
        if value is None and event.text and await named_in(turn, event.text):
            await start_booking(turn, sentence=event.text)  # «τηλεδιάσκεψη για αυθαίρετα»
            return Stay()
        if value is None and simplified(event.text or "") in GREETINGS:
            turn.greet()
            return Stay()
        return Refused("choose_from_list")


class LanguageStep(Step):
    name = "language"
    title = "Ελληνικά / English"
    exits = (("chosen", "menu"),)
    nav = ("back", "help")

    async def screen(self, turn: Turn) -> Screen:
        rows = [
            (Choice(choice_id(self.name, "el"), "Ελληνικά"),),
            (Choice(choice_id(self.name, "en"), "English"),),
        ]
        return screen(turn, self, turn.texts("language.prompt"), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value not in ("el", "en"):
            return Refused("choose_from_list")
        turn.state.language = value
        turn.say("language.set")
        return GoTo("menu")


class TimeZoneStep(Step):
    name = "timezone"
    title = "Time zone: a list, or a typed name"
    exits = (("chosen", "menu"),)
    nav = ("back", "help")

    async def screen(self, turn: Turn) -> Screen:
        rows = [(Choice(choice_id(self.name, zone), zone),) for zone in TIME_ZONES]
        return screen(
            turn,
            self,
            turn.texts("timezone.prompt", zone=turn.texts.zone_name(turn.state.time_zone)),
            rows,
        )

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        typed = chosen_value(chosen, self.name) or (event.text or "").strip()
        zone = real_time_zone(typed)
        if zone is None:
            return Refused("timezone.invalid", {"zone": typed[:40]})
        turn.state.time_zone = zone
        turn.say("timezone.set", zone=turn.texts.zone_name(zone))
        return GoTo("menu")


_AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@cache
def _real_zones() -> dict[str, str]:
    """The zones of places (Area/City), by their exact name, by their city's name in English
    and in Greek («Λονδίνο»), and by the name of a country that has one zone («Γερμανία»,
    Germany), compared without case or accents: not the database's aliases and files
    (posixrules, Factory, EST5EDT, the folders Europe or America)."""
    zones: dict[str, str] = {"utc": "UTC"}
    names: dict[str, set[str]] = {}
    aliases = get_global("zone_aliases")
    for zone in available_timezones():
        area, _, city = zone.partition("/")
        if area not in _AREAS or not city:
            continue
        zones[simplified(zone)] = zone
        if zone in aliases:  # Europe/Belfast is London's: its names are London's
            continue
        english = city.rsplit("/", 1)[-1].replace("_", " ")
        greek = get_timezone_location(zone, locale="el", return_city=True)
        for name in (english, greek):
            names.setdefault(simplified(name), set()).add(zone)
    for locale in ("el", "en"):
        countries = Locale.parse(locale).territories
        for code, country_zones in get_global("territory_zones").items():
            if code in countries and _one_clock(country_zones):
                names.setdefault(simplified(countries[code]), set()).add(country_zones[0])
    for name, found in names.items():
        if len(found) == 1:  # a name two zones share is no answer
            zones.setdefault(name, next(iter(found)))
    return zones


_SEASONS = (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC))


def _one_clock(zones: list[str]) -> bool:
    """A country whose zones all keep the same time (Germany's two), not the United States."""
    try:
        clocks = {tuple(t.astimezone(ZoneInfo(z)).utcoffset() for t in _SEASONS) for z in zones}
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return len(clocks) == 1


def real_time_zone(typed: str) -> str | None:
    """ "Europe/London", "london", "Λονδίνο", "New York", "Γερμανία": the zone; None for
    anything else."""
    if len(typed) > 60:
        return None
    words = simplified(" ".join(typed.split()))
    zones = _real_zones()
    return (
        zones.get(words) or zones.get(words.replace(" ", "_")) or zones.get(words.replace("_", " "))
    )


async def _upcoming(turn: Turn) -> list[Booking]:
    return await upcoming_bookings(turn.event.identity, turn.storage, turn.now)


def booking_label(turn: Turn, booking: Booking) -> str:
    """Short enough for a phone's button: «Τετ 2 Δεκ, 10:00 · τηλεδιάσκεψη» (the list above
    it gives the zone and Greek time)."""
    local = booking.starts_at.astimezone(turn.zone)
    how = turn.texts(f"mode.short.{booking.mode.value}")
    return f"{turn.texts.short_day(local.date())}, {local:%H:%M} · {how}"


def upcoming_list(turn: Turn, bookings: list[Booking]) -> str:
    """«Οι επόμενες κρατήσεις σας:» and a line for each, on the menu and on My bookings."""
    return "\n".join([turn.texts("mine.prompt"), *(booking_line(turn, b) for b in bookings)])


def booking_line(turn: Turn, booking: Booking) -> str:
    """One booking in full, for the list above its button: reference, service, when, how."""
    service = turn.municipality.service(booking.service_id)
    name = service.name.in_language(turn.state.language) if service else booking.service_id
    return f"• {booking.reference} — {name}\n  {booking_when(turn, booking)}"


def booking_when(turn: Turn, booking: Booking) -> str:
    """«Τετάρτη 2 Δεκεμβρίου, 10:00 · τηλεδιάσκεψη», with the zone and Greek time if they
    differ."""
    when = turn.texts.when(booking.starts_at, turn.zone, turn.municipality.time_zone)
    return f"{when} · {turn.texts(f'mode.short.{booking.mode.value}')}"


class MineStep(Step):
    name = "mine"
    title = "Upcoming bookings"
    exits = (("a booking", "booking"),)
    nav = ("back", "menu", "help")

    async def screen(self, turn: Turn) -> Screen:
        bookings = await _upcoming(turn)
        if not bookings:
            rows = [(Choice(choice_id(self.name, "book"), turn.texts("menu.book")),)]
            return screen(turn, self, turn.texts("mine.none"), rows)
        rows = [
            (Choice(choice_id(self.name, b.reference), booking_label(turn, b)),) for b in bookings
        ]
        return screen(turn, self, upcoming_list(turn, bookings), rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        if value == "book":
            await start_booking(turn, sentence=event.text)
            return Stay()
        references = {b.reference for b in await _upcoming(turn)}
        wanted = value or normalize_reference(event.text or "")
        if wanted not in references:
            return Refused("choose_from_list")
        turn.state.reference = wanted
        return GoTo("booking")


async def current_booking(turn: Turn) -> Booking | None:
    return next((b for b in await _upcoming(turn) if b.reference == turn.state.reference), None)


class BookingStep(Step):
    """One booking: its details, and what can be done with it."""

    name = "booking"
    title = "Booking: reference, when, where"
    exits = (
        ("Reschedule", "day"),
        ("Cancel", "cancel"),
        ("My bookings, or it is gone", "mine"),
        ("New booking", FLOW_START),
    )
    nav = ("menu", "help")
    actions = ("reschedule", "cancel", "mine", "book")
    typed_nav = MappingProxyType({"cancel": "cancel"})  # then «are you sure?», not cancelled

    async def screen(self, turn: Turn) -> Screen:
        booking = await current_booking(turn)
        if booking is None:
            return await MineStep().screen(turn)
        texts, m = turn.texts, turn.municipality
        service = m.service(booking.service_id)
        where = await _where(turn, booking)
        text = "\n".join(
            [
                texts("booking.reference", reference=booking.reference),
                texts("summary.when", value=texts.when(booking.starts_at, turn.zone, m.time_zone)),
                texts("summary.mode", value=texts(f"mode.{booking.mode.value}")),
                texts(
                    "summary.service",
                    value=service.name.in_language(turn.state.language) if service else "",
                ),
                where,
            ]
        )
        rows = [(Choice(choice_id(self.name, a), texts(f"booking.{a}")),) for a in self.actions]
        return screen(turn, self, text, rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        value = chosen_value(chosen, self.name)
        booking = await current_booking(turn)
        if value == "mine" or booking is None:
            return GoTo("mine")
        if value == "book":
            await start_booking(turn, sentence=event.text)
            return Stay()
        if value == "cancel":
            return GoTo("cancel")
        if value == "reschedule":
            earliest, _ = bookable_range(turn.municipality, turn.now)
            if booking.starts_at < earliest:
                return Refused("too_late_to_change")
            start_reschedule(turn, booking)
            return Stay()
        return Refused("choose_from_list")


async def _where(turn: Turn, booking: Booking) -> str:
    """The office's address, or the call's link once it exists, and no promise of a link
    when no meeting provider makes one."""
    texts = turn.texts
    if booking.mode is Mode.IN_PERSON:
        address = turn.municipality.office_address.in_language(turn.state.language)
        return texts("where.in_person", address=address)
    url = await turn.join_links.join_url(booking.id) if turn.join_links else None
    if url:
        return texts("where.video_call_link", url=url)
    return texts("where.video_call" if turn.meeting_links else "where.video_call_by_office")


class CancelStep(Step):
    name = "cancel"
    title = "Are you sure?"
    exits = (("no", "booking"), ("yes: cancelled", "menu"), ("refused: why", "mine"))
    nav = ("help",)

    async def screen(self, turn: Turn) -> Screen:
        booking = await current_booking(turn)
        if booking is None:
            return await MineStep().screen(turn)
        text = turn.texts(
            "cancel.confirm", booking=booking_when(turn, booking), reference=booking.reference
        )
        rows = [yes_no_row(turn, self.name, "cancel.yes", "cancel.no")]
        return screen(turn, self, text, rows)

    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        sure = yes_or_no(event, chosen, self.name)
        if sure is None:
            return Refused("choose_yes_no")
        if not sure or not turn.state.reference:
            return GoTo("booking")
        try:
            cancelled = await cancel(
                turn.event.identity, turn.state.reference, turn.storage, turn.now
            )
        except BookingRefused as refused:
            turn.say(refused.code)
            return GoTo("mine")
        turn.say("cancel.done", reference=cancelled.reference)
        turn.state.reference = None
        turn.state.history = []
        return GoTo("menu")
