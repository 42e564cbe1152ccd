"""What a step sees while handling one event, and what it can answer."""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from dialogs.answers import AnswerModel
from dialogs.conversation import Conversation
from dialogs.ports import JoinLinks
from dialogs.screens import Attachment, Choice, Event, Screen
from domain.model import Configuration, Municipality
from domain.ports import Storage
from locales.texts import Texts


@dataclass
class Turn:
    """One event being handled: the citizen's state, their language, the services."""

    event: Event
    state: Conversation
    configuration: Configuration
    storage: Storage
    now: datetime
    answer_model: AnswerModel
    """What clears what, what the summary can change: derived from the flow's steps."""
    notes: list[str] = field(default_factory=list)
    """Messages shown before the next screen (a refusal's reason, a confirmation)."""
    toast: str | None = None
    attachment: Attachment | None = None
    brief: bool = False
    """A long note precedes the screen (what is kept): the screen leaves out its own long
    text, so that the two fit one chat message."""
    forgotten: bool = False
    """The citizen's data was erased in this turn: nothing of theirs is saved after it."""
    privacy_url: str | None = None
    """The privacy notice's web page (PUBLIC_BASE_URL/privacy), when there is one."""
    meeting_links: bool = True
    """A meeting provider makes video calls' links (none: the office arranges the call)."""
    join_links: JoinLinks | None = None

    @property
    def texts(self) -> Texts:
        return Texts(self.state.language)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.state.time_zone)

    @property
    def municipality(self) -> Municipality:
        wanted = self.state.answers.get("municipality")
        found = self.configuration.municipality(wanted) if wanted else None
        return found or self.configuration.municipalities[0]

    @property
    def answers(self) -> dict[str, Any]:
        return self.state.answers

    def say(self, key: str, **params: object) -> None:
        params.setdefault("office_call", office_call(self.texts, self.municipality))
        self.notes.append(self.texts.on(self.event.identity.channel, key, **params))

    def greet(self) -> None:
        text = self.texts(
            "greeting", municipality=self.municipality.name.in_language(self.state.language)
        )
        if text not in self.notes:
            self.notes.append(text)


def office_call(texts: Texts, municipality: Municipality) -> str:
    """ " στο +30 28210 00000 (Δευτέρα έως Παρασκευή, 08:00–14:30)", or nothing without a
    number configured: the end of «Παρακαλούμε τηλεφωνήστε στην υπηρεσία{office_call}»."""
    if not municipality.office_phone:
        return ""
    hours = municipality.office_hours
    if hours is None:
        return texts("office.call", phone=municipality.office_phone)
    return texts(
        "office.call_hours",
        phone=municipality.office_phone,
        hours=hours.in_language(texts.language),
    )


@dataclass(frozen=True)
class Answered:
    """The step is answered: these answers are set, and the conversation moves on."""

    values: dict[str, Any]


@dataclass(frozen=True)
class Refused:
    """The input cannot be taken: say why, and ask the same step again."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Stay:
    """Show the same step again (another month, an explanation)."""


@dataclass(frozen=True)
class GoTo:
    step: str


@dataclass(frozen=True)
class Ask:
    """The input could mean this, but not surely: ask back in one short question («Εννοείτε
    10:00;»); a yes presses `presses` in turn (the day, then its time), a no asks the step
    again. Nothing is taken before the yes."""

    key: str
    params: dict[str, str]
    presses: tuple[str, ...]


Outcome = Answered | Refused | Stay | GoTo | Ask


class Step(ABC):
    """One screen of the conversation. `name` is also the key of its answer."""

    name = ""
    nav: tuple[str, ...] = ("back", "cancel", "help")
    numbered = True
    """False: a typed number is the step's own answer (a day, an hour), never a list item."""
    free_text = False
    """The typed text is the answer itself (a name, a subject): matched against the choices
    only by their exact label, never by a word it happens to contain."""
    typed_nav: Mapping[str, str] = MappingProxyType({})
    """A navigation word typed here that names one of this step's choices («ακύρωση» on a
    booking, whose choice is «Ακύρωση κράτησης»): the choice's value it means instead."""

    # What the step declares of itself (dialogs/answers.py derives from it what clears what,
    # what the summary can change and what a reschedule keeps; dialogs/diagram.py draws it).
    writes: tuple[str, ...] = ()
    """The answers it sets (the engine refuses any other)."""
    reads: tuple[str, ...] = ()
    """The answers its choices are made under: when one changes, this step's answers go."""
    changeable_in: tuple[str, ...] = ()
    """The flows ("book", "reschedule") whose summary offers to change this answer."""
    when: tuple[str, ...] = ()
    """In words, the conditions of a step whose `applies` is not always true."""
    title = ""
    """The step in the diagram, in English."""
    exits: tuple[tuple[str, str], ...] = ()
    """Where the step goes besides the flow's next step: (on what, the step). FLOW_START: the
    booking flow's first step that applies."""

    def applies(self, turn: Turn) -> bool:
        return True

    def answered(self, turn: Turn) -> bool:
        return self.name in turn.answers

    @abstractmethod
    async def screen(self, turn: Turn) -> Screen:
        """What the citizen sees at this step."""

    @abstractmethod
    async def take(self, turn: Turn, event: Event, chosen: Choice | None) -> Outcome:
        """`chosen` is the choice the event pressed or named, if any."""


FLOW_START = "(flow)"

REQUEST_KEY = "request_key"
"""Answer that identifies this booking or reschedule: Confirm pressed again, on any instance,
finds what the first press did instead of doing it again."""


def new_request_key() -> str:
    return secrets.token_urlsafe(16)


def synonyms(texts: Texts, choices: list[Choice]) -> dict[str, tuple[str, ...]]:
    """Other words for a choice, from the catalogs ("synonyms.menu:book": words separated by
    "|"), so that a translator can add what people type."""
    found = {}
    for choice in choices:
        if choice.id is None:
            continue
        words = texts.optional(f"synonyms.{choice.id}")
        if words is not None:
            found[choice.id] = tuple(w.strip() for w in words.split("|") if w.strip())
    return found


def choice_id(step: str, value: str) -> str:
    return f"{step}:{value}"


def value_of(choice: Choice | None, step: str) -> str | None:
    if choice is None or choice.id is None or not choice.id.startswith(step + ":"):
        return None
    return choice.id[len(step) + 1 :]


def nav_row(texts: Texts, items: tuple[str, ...]) -> tuple[Choice, ...]:
    labels = {"back": "nav.back", "cancel": "nav.cancel", "help": "nav.help", "menu": "nav.menu"}
    return tuple(Choice(f"nav:{item}", texts(labels[item])) for item in items)


def screen(
    turn: Turn,
    step: Step,
    text: str,
    rows: Sequence[tuple[Choice, ...]] | None = None,
    *,
    calendar: bool = False,
) -> Screen:
    all_rows = [*(rows or []), nav_row(turn.texts, step.nav)] if step.nav else rows or []
    return Screen(
        text=text,
        rows=tuple(r for r in all_rows if r),
        step=step.name,
        calendar=calendar,
        numbered=step.numbered,
    )
