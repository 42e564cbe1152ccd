"""Free text where a choice is expected: the choice's number or label, a time, a date."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time

import dateparser

from dialogs.screens import Choice

_TIME = re.compile(r"^(\d{1,2})\s*[:.·]\s*(\d{2})$")
_ARTICLES = re.compile(r"^(την|τη|το|στις|στην|on|the)\s+")


def simplified(text: str) -> str:
    """Case- and accent-insensitive form: "Όχι" and "οχι" and "ΟΧΙ" match."""
    decomposed = unicodedata.normalize("NFD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip(" .!«»\"'")


YES = {"ναι", "ν", "yes", "y", "nai", "ok", "οκ", "ενταξει"}
NO = {"οχι", "ο", "no", "n", "oxi", "ochi"}
BACK = {"πισω", "back", "/back", "<", "«"}
CANCEL = {"ακυρο", "ακυρωση", "cancel", "/cancel", "stop", "/stop"}
HELP = {"βοηθεια", "help", "/help", "?"}
MENU = {"/start", "start", "menu", "/menu", "μενου", "αρχη", "αρχικη"}


_UNSHOWABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
"""Control characters (newline and tab kept) and the marks that turn text right to left, which
would let a typed name show the staff something other than what it holds."""


def showable(text: str) -> str:
    """Typed text as it may be stored, shown and echoed."""
    return _UNSHOWABLE.sub("", text)


def choice_from_text(text: str, choices: list[Choice]) -> Choice | None:
    """The choice a citizen meant: its number on the screen, or its label."""
    wanted = simplified(text)
    if wanted.isdigit():
        index = int(wanted) - 1
        return choices[index] if 0 <= index < len(choices) else None
    for choice in choices:
        labels = (choice.label, choice.description or "")
        if any(simplified(label) == wanted for label in labels if label):
            return choice
    return None


def parse_time(text: str) -> time | None:
    """ "10:30", "10.30", "9:05"."""
    match = _TIME.match(text.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


class ImpossibleDate(ValueError):
    """A date typed in numbers that no calendar has: 32/12, 1/13, 30/2."""


def parse_day(text: str, today: date) -> date | None:
    """ "25/12", "25/12/2026", "αύριο", "Πέμπτη", "3 Δεκεμβρίου", "tomorrow". Raises
    ImpossibleDate for numbers that are no date, rather than reading them as another."""
    cleaned = _ARTICLES.sub("", text.strip().casefold())
    if not cleaned or len(cleaned) > 40 or _TIME.match(cleaned):
        return None
    numeric = _NUMERIC_DATE.match(cleaned)
    if numeric:
        _check_possible(*numeric.groups())
    ahead, nearest = (
        _dateparse(cleaned, today, "future"),
        _dateparse(cleaned, today, "current_period"),
    )
    if ahead and nearest and nearest < today and (ahead - today).days > _FAR_AHEAD_DAYS:
        return nearest  # "25/11" on 1 December: a date that has passed, not next year's
    return ahead


_FAR_AHEAD_DAYS = 180
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2}|\d{4}))?$")


def _check_possible(day: str, month: str, year: str | None) -> None:
    number = int(year) if year else 2024  # a leap year: 29/2 is possible in some year
    if year and len(year) == 2:
        number += 2000
    try:
        date(number, int(month), int(day))
    except ValueError:
        raise ImpossibleDate(f"{day}/{month}") from None


def _dateparse(text: str, today: date, prefer: str) -> date | None:
    parsed = dateparser.parse(
        text,
        languages=["el", "en"],
        settings={
            "PREFER_DATES_FROM": prefer,
            "RELATIVE_BASE": datetime.combine(today, time(12)),
            "DATE_ORDER": "DMY",
        },
    )
    return parsed.date() if parsed else None
