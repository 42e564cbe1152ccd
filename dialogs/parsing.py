"""Free text where a choice is expected: the choice's number or label, a time, a date."""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, datetime, time, timedelta

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
EARLIEST = {
    "την πρωτη διαθεσιμη",
    "πρωτη διαθεσιμη",
    "την πρωτη ελευθερη",
    "πρωτη ελευθερη",
    "οσο πιο νωρισ γινεται",
    "οσο πιο γρηγορα γινεται",
    "οσο πιο συντομα",
    "το συντομοτερο",
    "νωριτερα",
    "first available",
    "the first available",
    "first free",
    "earliest",
    "the earliest",
    "as soon as possible",
    "asap",
}
"""«Την πρώτη διαθέσιμη»: the first free day, or the first free time of the day."""
NOTHING = {
    "δεν εχω",
    "δεν εχω αριθμο",
    "δεν υπαρχει",
    "δεν ξερω",
    "κανενα",
    "κανενασ",
    "τιποτα",
    "none",
    "nothing",
    "no number",
    "i don't have one",
    "i dont have one",
    "n/a",
    "-",
}
"""«Δεν έχω»: an optional answer left out, never the answer itself."""
BACK = {"πισω", "back", "/back", "<", "«"}
CANCEL = {"ακυρο", "ακυρωση", "cancel", "/cancel", "stop", "/stop"}
HELP = {"βοηθεια", "help", "/help", "?"}
MENU = {"/start", "start", "menu", "/menu", "μενου", "αρχη", "αρχικη"}
GREETINGS = {
    simplified(greeting)
    for greeting in (
        *("γεια", "γεια σας", "γεια σου", "καλημέρα", "καλημέρα σας", "καλησπέρα"),
        *("καλησπέρα σας", "χαίρετε", "hello", "hi", "hey", "good morning", "good evening"),
    )
}
"""«Γεια σας», «Καλημέρα σας», `hello` (as simplified() gives them): a greeting at the menu
is greeted back, not refused as a choice not in the list."""


_UNSHOWABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
"""Control characters (newline and tab kept) and the marks that turn text right to left, which
would let a typed name show the staff something other than what it holds."""


def showable(text: str) -> str:
    """Typed text as it may be stored, shown and echoed."""
    return _UNSHOWABLE.sub("", text)


def choice_from_text(
    text: str,
    choices: list[Choice],
    *,
    by_number: bool = True,
    by_words: bool = True,
    synonyms: dict[str, tuple[str, ...]] | None = None,
) -> Choice | None:
    """The choice a citizen meant: its number on the screen (unless numbers mean something
    else there), its label, a synonym the catalogs give for it, or words only its label has
    («αυθαίρετο» for «Υπηρεσία Δόμησης – Αυθαίρετα»). None when nothing, or more than one
    choice, fits: the step then says why, rather than guess."""
    wanted = simplified(text)
    if wanted.isdigit():
        if not by_number:
            return None
        index = int(wanted) - 1
        return choices[index] if 0 <= index < len(choices) else None
    for choice in choices:
        labels = (choice.label, choice.description or "")
        if any(simplified(label) == wanted for label in labels if label):
            return choice
    for choice in choices:
        if choice.id and wanted in {simplified(w) for w in (synonyms or {}).get(choice.id, ())}:
            return choice
    return _by_distinctive_words(wanted, choices, synonyms or {}) if by_words else None


_WORD = re.compile(r"[^\W\d_]{4,}")


def _stem(word: str) -> str:
    """The letters compared, without the ending: «αυθαίρετο», «αυθαίρετα» and «αυθαιρέτων»
    are one word to a reader, as are «άδεια» and «άδειες»."""
    return word[:4] if len(word) <= 6 else word[:5]


def _stems(text: str) -> set[str]:
    return {_stem(word) for word in _WORD.findall(simplified(text))}


def _by_distinctive_words(
    wanted: str, choices: list[Choice], synonyms: dict[str, tuple[str, ...]]
) -> Choice | None:
    typed = _stems(wanted)
    if not typed:
        return None
    stems = {
        id(c): _stems(" ".join([c.label, *synonyms.get(c.id or "", ())])) for c in choices if c.id
    }
    shared = {s for a in stems.values() for s in a if sum(s in b for b in stems.values()) > 1}
    fits = [
        c
        for c in choices
        if c.id and not c.id.startswith("nav:") and typed & (stems[id(c)] - shared)
    ]
    return fits[0] if len(fits) == 1 else None


_LIKE_ENOUGH = 0.8
"""How alike a typed word and a label's word must be to ask «Εννοείτε …;» (difflib's ratio:
«αυθερετα» and «αυθαίρετα» 0.82, «καλημέρα» and «κρατήσεις» 0.35)."""


def closest_choice(
    text: str, choices: list[Choice], synonyms: dict[str, tuple[str, ...]] | None = None
) -> Choice | None:
    """The one choice a misspelt answer is most like («αυθερετα»: «Αυθαίρετα»), to be asked
    back, never taken as it is; None when none is alike enough or two are."""
    typed = set(_WORD.findall(simplified(text)))
    if not typed:
        return None
    words = {
        c.id: set(_WORD.findall(simplified(" ".join([c.label, *(synonyms or {}).get(c.id, ())]))))
        for c in choices
        if c.id and not c.id.startswith("nav:")
    }
    shared = {w for a in words.values() for w in a if sum(w in b for b in words.values()) > 1}
    scores = {
        choice_id: max(
            (difflib.SequenceMatcher(None, t, w).ratio() for t in typed for w in own - shared),
            default=0.0,
        )
        for choice_id, own in words.items()
    }
    alike = [choice_id for choice_id, score in scores.items() if score >= _LIKE_ENOUGH]
    if len(alike) != 1:
        return None
    return next(c for c in choices if c.id == alike[0])


_SPOKEN_TIME = re.compile(
    r"^(?:(?:στισ|για τισ|κατα τισ|γυρω στισ|at|around)\s+)?"  # simplified: final σ
    r"(\d{1,2})(?:\s*[:.·]\s*(\d{2}))?"
    r"(?:\s*(?:η ωρα|h|o'?clock))?"
    r"(?:\s*(π\.?μ\.?|μ\.?μ\.?|a\.?m\.?|p\.?m\.?))?"
    r"(?:\s+(και μιση|και τεταρτο|παρα τεταρτο|and a half))?"
    r"(?:\s*(π\.?μ\.?|μ\.?μ\.?|a\.?m\.?|p\.?m\.?))?$"
)
_AFTERNOON = {"μμ", "pm"}
_MORNING = {"πμ", "am"}
_QUARTERS = {"και μιση": 30, "and a half": 30, "και τεταρτο": 15, "παρα τεταρτο": -15}
_FIRST_OFFICE_HOUR = 7
"""A bare hour below this is the afternoon's: nobody books the office at two at night."""


_HOUR_WORDS = {
    **dict.fromkeys(("ενα", "μια", "one"), 1),
    **dict.fromkeys(("δυο", "two"), 2),
    **dict.fromkeys(("τρεισ", "τρια", "three"), 3),
    **dict.fromkeys(("τεσσερισ", "τεσσερα", "four"), 4),
    **dict.fromkeys(("πεντε", "five"), 5),
    **dict.fromkeys(("εξι", "six"), 6),
    **dict.fromkeys(("εφτα", "επτα", "seven"), 7),
    **dict.fromkeys(("οχτω", "οκτω", "eight"), 8),
    **dict.fromkeys(("εννια", "εννεα", "nine"), 9),
    **dict.fromkeys(("δεκα", "ten"), 10),
    **dict.fromkeys(("εντεκα", "eleven"), 11),
    **dict.fromkeys(("δωδεκα", "twelve"), 12),
    "εικοσι": 20,  # «11 παρά είκοσι»
}
_ENGLISH_QUARTERS = re.compile(r"^(half past|quarter past|quarter to) (\w+)$")
_DAY_PARTS = {
    "το πρωι": "πμ",
    "πρωι": "πμ",
    "το μεσημερι": "",
    "μεσημερι": "",
    "το απογευμα": "μμ",
    "απογευμα": "μμ",
    "το βραδυ": "μμ",
    "in the morning": "am",
    "in the afternoon": "pm",
}


def _spoken_numbers(words: str) -> str:
    """ "δέκα και μισή" → "10 και μιση", "half past ten" → "10 και μιση", "10 το πρωί" →
    "10 πμ": the forms the time pattern reads."""
    english = _ENGLISH_QUARTERS.match(words)
    if english and english.group(2) in _HOUR_WORDS:
        hour = _HOUR_WORDS[english.group(2)]
        tail = {"half past": "και μιση", "quarter past": "και τεταρτο"}.get(english.group(1))
        return f"{hour} {tail}" if tail else f"{hour} παρα τεταρτο"
    for part, suffix in _DAY_PARTS.items():
        if words.endswith(" " + part):
            words = words.removesuffix(" " + part) + (f" {suffix}" if suffix else "")
            break
    words = " ".join(str(_HOUR_WORDS.get(w, w)) for w in words.split())
    return _MINUTES_PAST.sub(_as_clock, words)


_MINUTES_PAST = re.compile(r"\b(\d{1,2}) (και|παρα) (\d{1,2})\b")
"""«10 και 10» is 10:10, «11 παρά 10» is 10:50 (after the words became numbers)."""


def _as_clock(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(3))
    if not 0 < minute < 60:
        return match.group(0)
    if match.group(2) == "παρα":
        hour, minute = hour - 1, 60 - minute
    return f"{hour}:{minute:02d}"


def parse_time(text: str) -> tuple[time, ...]:
    """The times a typed answer can mean, likeliest first: "10:30", "10.30", "10", "στις 10",
    "10 και μισή", "2 μ.μ.", "10am", "2 pm". Without a.m. or p.m. an hour below 12 may be
    either half of the day ("2" is 14:00 at an office, "6:30" is 6:30 in London): the step
    takes the one that is free. Empty: not a time."""
    match = _SPOKEN_TIME.match(_spoken_numbers(simplified(text)))
    if not match:
        return ()
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    half = match.group(4)
    if half:
        if match.group(2):
            return ()  # "10:20 και μισή" says two things
        minute = _QUARTERS[half]
        if minute < 0:
            hour, minute = hour - 1, 60 + minute
    given = match.group(3) or match.group(5)  # "2 μ.μ." or "2 και μισή μ.μ."
    suffix = given.replace(".", "") if given else None
    if suffix and not 1 <= hour <= 12:
        return ()
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return ()
    if suffix in _AFTERNOON:
        return (time(hour % 12 + 12, minute),)
    if suffix in _MORNING:
        return (time(hour % 12, minute),)
    if 1 <= hour < 12:
        morning, afternoon = time(hour, minute), time(hour + 12, minute)
        return (afternoon, morning) if hour < _FIRST_OFFICE_HOUR else (morning, afternoon)
    return (time(hour, minute),)


PARTS_OF_DAY = {
    "πρωι": (0, 12),
    "το πρωι": (0, 12),
    "morning": (0, 12),
    "in the morning": (0, 12),
    "μεσημερι": (12, 15),
    "το μεσημερι": (12, 15),
    "απογευμα": (12, 24),
    "το απογευμα": (12, 24),
    "afternoon": (12, 24),
    "in the afternoon": (12, 24),
}
"""Hours (from, to) a part of the day means: the free times in it are offered."""


class ImpossibleDate(ValueError):
    """A date typed in numbers that no calendar has: 32/12, 1/13, 30/2."""


def parse_day(text: str, today: date) -> date | None:
    """ "25/12", "25/12/2026", "αύριο", "Πέμπτη", "3 Δεκεμβρίου", "tomorrow". Raises
    ImpossibleDate for numbers that are no date, rather than reading them as another."""
    cleaned = _ARTICLES.sub("", text.strip().casefold())
    if not cleaned or len(cleaned) > 40 or _TIME.match(cleaned):
        return None
    spoken = _spoken_day(simplified(text), today)
    if spoken is not None:
        return spoken
    cleaned = _OF_THE_MONTH.sub("", cleaned)
    for said, written in _SPOKEN_MONTHS.items():
        cleaned = cleaned.replace(said, written)
    if cleaned.isdigit():
        return _day_of_month(int(cleaned), today)
    numeric = _NUMERIC_DATE.match(cleaned)
    if numeric:
        day, month, year = numeric.groups()
        _check_possible(day, month, year, today)
    ahead, nearest = (
        _dateparse(cleaned, today, "future"),
        _dateparse(cleaned, today, "current_period"),
    )
    if ahead and nearest and ahead.year - nearest.year > 1:
        raise ImpossibleDate(text)  # «29 Φεβρουαρίου» in 2026: read as 2024's or 2028's
    if ahead and nearest and nearest < today and (ahead - today).days > _FAR_AHEAD_DAYS:
        return nearest  # "25/11" on 1 December: a date that has passed, not next year's
    return ahead


_WEEKDAYS = ("δευτερα", "τριτη", "τεταρτη", "πεμπτη", "παρασκευη", "σαββατο", "κυριακη")
_COUNTS = {"μια": 1, "ενα": 1, "δυο": 2, "τρεισ": 3, "τρια": 3, "τεσσερισ": 4}
_NEXT_WEEKS_DAY = re.compile(r"^(?:την |το )?(?:αλλη|αλλο|επομενη|επομενο) (\w+)$")
_IN_SOME = re.compile(r"^(?:σε|μετα απο) (\d+|\w+) (εβδομαδεσ|εβδομαδα|μερεσ|ημερεσ|μερα|ημερα)$")
_OF_THE_MONTH = re.compile(r"\s+του\s+μ[ηή]να$")


_ENGLISH_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_THEN_TIME = re.compile(r"^(.*?\S)\s*(?:,\s*|\s+(?:στις|στισ|at|@)\s+)(.+)$")


def named_weekday(text: str) -> int | None:
    """The weekday a typed day names (0 for Monday), to check it against the date it gives:
    «Παρασκευή 15» when the 15th is a Tuesday is asked back, not taken."""
    words = set(re.findall(r"\w+", simplified(text)))
    named = {
        index
        for names in (_WEEKDAYS, _ENGLISH_WEEKDAYS)
        for index, name in enumerate(names)
        if name in words or (name == "σαββατο" and "σαββατου" in words)
    }
    return named.pop() if len(named) == 1 else None


def split_day_and_time(text: str) -> tuple[str, str] | None:
    """ "Τετάρτη στις 10", "αύριο, 10:30", "next Monday at 9": the day's words and the time's,
    when the last part is a time."""
    match = _DAY_THEN_TIME.match(text.strip())
    if not match or not parse_time(match.group(2)):
        return None
    return match.group(1), match.group(2)


def _day_of_month(number: int, today: date) -> date | None:
    """ "15": the 15th of this month, or of the next when it has passed."""
    if not 1 <= number <= 31:
        raise ImpossibleDate(str(number))
    year, month = today.year, today.month
    for _ in range(3):  # "31" in a month of 30 days: the next month that has one
        try:
            found = date(year, month, number)
        except ValueError:
            found = None
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _spoken_day(words: str, today: date) -> date | None:
    """What dateparser does not read in Greek: «μεθαύριο», «την άλλη Τρίτη» (the Tuesday of
    next week), «σε δύο εβδομάδες»."""
    if words == "μεθαυριο":
        return today + timedelta(days=2)
    next_week = _NEXT_WEEKS_DAY.match(words)
    if next_week and next_week.group(1) in _WEEKDAYS:
        monday = today + timedelta(days=7 - today.weekday())
        return monday + timedelta(days=_WEEKDAYS.index(next_week.group(1)))
    some = _IN_SOME.match(words)
    if some:
        count = int(some.group(1)) if some.group(1).isdigit() else _COUNTS.get(some.group(1))
        if count is None or count > 60:
            return None
        per = 7 if some.group(2).startswith("εβδομαδ") else 1
        return today + timedelta(days=count * per)
    return None


_SPOKEN_MONTHS = {
    "ιανουάρη": "ιανουαρίου",
    "φλεβάρη": "φεβρουαρίου",
    "μάρτη": "μαρτίου",
    "απρίλη": "απριλίου",
    "μάη": "μαΐου",
    "ιούνη": "ιουνίου",
    "ιούλη": "ιουλίου",
    "σεπτέμβρη": "σεπτεμβρίου",
    "οκτώβρη": "οκτωβρίου",
    "νοέμβρη": "νοεμβρίου",
    "δεκέμβρη": "δεκεμβρίου",
}
"""The months as people say them («7 Δεκέμβρη»), in the form dateparser reads."""

_FAR_AHEAD_DAYS = 180
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2}|\d{4}))?$")


def _check_possible(day: str, month: str, year: str | None, today: date) -> None:
    """Without a year, the date must exist this year or the next (29/2 in 2026 does not)."""
    century = 2000 if year and len(year) == 2 else 0
    years = [int(year) + century] if year else [today.year, today.year + 1]
    for number in years:
        try:
            date(number, int(month), int(day))
            return
        except ValueError:
            continue
    raise ImpossibleDate(f"{day}/{month}")


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
