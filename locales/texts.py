"""Every word the citizen reads comes from the gettext catalogs in locales/ (el, en); dates and
weekday names come from Babel in the citizen's language."""

from __future__ import annotations

import gettext
import logging
import os
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names, get_timezone_location
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from domain.model import CancelReason

LOCALES_DIR = Path(__file__).resolve().parent
STRICT_ENV = "RANTEVOU_STRICT_TEXTS"
"""Set (to 1) under test: a message missing from a catalog raises instead of showing its key,
so that a missing translation fails a test rather than ships."""
log = logging.getLogger(__name__)


class MissingText(KeyError):
    """A message key with no text in the catalog."""


@cache
def _catalog(language: str) -> gettext.GNUTranslations:
    """The .po file compiled in memory: no build step, no compiled files in the repository."""
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


class Texts:
    def __init__(self, language: str) -> None:
        self.language = language
        self._catalog = _catalog(language)

    def __call__(self, key: str, **params: object) -> str:
        if not self.has(key):
            if os.environ.get(STRICT_ENV) == "1":
                raise MissingText(f"{self.language}: {key}")
            log.warning("no %s text for %s", self.language, key)
        text = self._catalog.gettext(key)
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        """Whether the catalog has this message (gettext answers a missing one with its key)."""
        return self._catalog.gettext(key) != key

    def optional(self, key: str) -> str | None:
        """A message that may be left out of the catalog (a choice's synonyms)."""
        return self(key) if self.has(key) else None

    def on(self, channel: str, key: str, **params: object) -> str:
        """The channel's own wording where it has one ("help.text.viber": buttons only, no
        slash commands), else the common one."""
        variant = f"{key}.{channel}"
        return self(variant if self.has(variant) else key, **params)

    def cancel_reason(self, reason: str | None) -> str:
        """The office's reason for calling an appointment off: a picked one in this language,
        a typed one as typed."""
        if not reason:
            return ""
        if reason in {r.value for r in CancelReason}:
            return self(f"cancel_reason.{reason}")
        return reason

    def day(self, day: date) -> str:
        """ "Πέμπτη 18 Φεβρουαρίου" / "Thursday 18 February"."""
        return format_date(day, "EEEE d MMMM", locale=self.language)

    def short_day(self, day: date) -> str:
        return format_date(day, "EEE d MMM", locale=self.language)

    def month(self, year: int, month: int) -> str:
        """ "Δεκέμβριος 2026": the month's own name, not the "of December" form."""
        return format_date(date(year, month, 1), "LLLL y", locale=self.language).capitalize()

    def weekday_initials(self) -> list[str]:
        names = get_day_names("abbreviated", context="stand-alone", locale=self.language)
        return [names[i][:2] for i in range(7)]

    def zone_name(self, zone: str) -> str:
        """A zone as a reader names it, in their language: "Αθήνα", "Νέα Υόρκη", "New York";
        never its code name (Europe/Athens) in a sentence."""
        try:
            return str(get_timezone_location(zone, locale=self.language, return_city=True))
        except LookupError:
            return zone

    def clock(self, instant: datetime, zone: ZoneInfo) -> str:
        return instant.astimezone(zone).strftime("%H:%M")

    def when(self, instant: datetime, zone: ZoneInfo, office_zone: ZoneInfo) -> str:
        """Day and time in the citizen's zone, and when that differs from the office's, the
        zone named and Greek time beside: "Thursday 3 December, 03:00 (New York) (Greek time
        10:00)"."""
        local = instant.astimezone(zone)
        text = f"{self.day(local.date())}, {local:%H:%M}"
        if (
            zone.key != office_zone.key
            and local.utcoffset() != instant.astimezone(office_zone).utcoffset()
        ):
            office = instant.astimezone(office_zone)
            city = get_timezone_location(zone, locale=self.language, return_city=True)
            text += f" ({city}) " + self("time.office_time", time=f"{office:%H:%M}")
        return text
