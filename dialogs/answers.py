"""The booking conversation's answers: what each holds, and what follows from the steps that
read and write them.

Each step of the flow declares the answers it `writes` and the answers its choices are made
under (`reads`: the days offered depend on the service). From that alone come:

- what changing an answer clears (a new service clears the day, the time and the staff member,
  and so on down the line), whether the citizen changes it from the summary or goes back;
- what the summary's "change something" offers, in the flow's order (`changeable_in`);
- what a reschedule starts from: every answer but those that depend on the service (the day,
  the time, the staff member), each filled from the booking by `FROM_BOOKING`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict

from domain.model import Booking


class Answers(TypedDict, total=False):
    """What the conversation keeps of a booking being made (stored as JSON between turns)."""

    request_key: str
    """Identifies this booking or reschedule, so that Confirm pressed again acts once."""
    has_saved_contact: bool
    municipality: str
    mode: str
    """A Mode's value: "in_person" or "video_call"."""
    service: str
    day: str
    """ISO date, in the municipality's zone."""
    time: int
    """The appointment's start, seconds since the epoch."""
    staff: str
    """A staff member's id; "" for anyone."""
    contact: str
    """"saved" (the details from last time) or "new"."""
    name: str
    email: str
    phone: str
    subject: str
    appno: str | None
    third: bool
    third_name: str | None
    third_email: str | None
    docs: bool
    consent: str
    """The version of the declaration accepted, in the citizen's language."""


ANSWER_KEYS = frozenset(Answers.__annotations__)

FROM_BOOKING: Mapping[str, Callable[[Booking], object]] = {
    "municipality": lambda b: b.municipality_id,
    "mode": lambda b: b.mode.value,
    "service": lambda b: b.service_id,
    "contact": lambda b: "saved",
    "name": lambda b: b.contact.full_name,
    "email": lambda b: b.contact.email,
    "phone": lambda b: b.contact.phone,
    "subject": lambda b: b.subject,
    "appno": lambda b: b.application_number,
    "third": lambda b: b.third_person is not None,
    "third_name": lambda b: b.third_person.full_name if b.third_person else None,
    "third_email": lambda b: b.third_person.email if b.third_person else None,
    "docs": lambda b: True,
    "consent": lambda b: b.consent_version,
}
"""How a reschedule fills the answers it keeps from the booking being moved."""

NEW_TIME_FOR = "service"
"""A reschedule keeps the service and asks again what depends on it."""


class DeclaresAnswers(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def reads(self) -> tuple[str, ...]: ...
    @property
    def writes(self) -> tuple[str, ...]: ...
    @property
    def changeable_in(self) -> tuple[str, ...]: ...
    def applies(self, turn: Any) -> bool: ...


class FlowDeclarationError(ValueError):
    """The steps' declarations do not add up: a programming error, raised at import."""


@dataclass(frozen=True)
class AnswerModel:
    dependents: Mapping[str, tuple[str, ...]]
    """Per answer, the answers that no longer hold when it changes."""
    changeable: Mapping[str, tuple[str, ...]]
    """Per flow ("book", "reschedule"), what the summary offers to change, in order."""
    kept_on_reschedule: tuple[str, ...]
    steps: Mapping[str, DeclaresAnswers]

    @classmethod
    def of(cls, steps: Sequence[DeclaresAnswers]) -> AnswerModel:
        written = [key for step in steps for key in step.writes]
        for key in [*written, *(key for step in steps for key in step.reads)]:
            if key not in ANSWER_KEYS:
                raise FlowDeclarationError(f"{key!r} is not an answer (dialogs/answers.py)")
        dependents = {key: _dependents(key, steps) for key in dict.fromkeys(written)}
        kept = tuple(k for k in dict.fromkeys(written) if k not in dependents[NEW_TIME_FOR])
        if set(kept) != set(FROM_BOOKING):
            raise FlowDeclarationError(
                f"a reschedule keeps {sorted(kept)}; FROM_BOOKING fills {sorted(FROM_BOOKING)}"
            )
        changeable = {
            flow: tuple(s.name for s in steps if flow in s.changeable_in)
            for flow in ("book", "reschedule")
        }
        return cls(dependents, changeable, kept, {step.name: step for step in steps})

    def forget(self, answers: dict[str, object], key: str) -> None:
        """Clears an answer and everything that depended on it."""
        answers.pop(key, None)
        for dependent in self.dependents.get(key, ()):
            answers.pop(dependent, None)

    def changeable_now(self, turn: Any, flow: str) -> list[str]:
        """What the summary offers to change in this flow: the answers of the steps that
        apply (a third person only for a video call)."""
        return [name for name in self.changeable[flow] if self.steps[name].applies(turn)]

    def reschedule_answers(self, booking: Booking) -> dict[str, object]:
        return {key: FROM_BOOKING[key](booking) for key in self.kept_on_reschedule}


def _dependents(key: str, steps: Sequence[DeclaresAnswers]) -> tuple[str, ...]:
    """What the step named `key` writes besides it (the saved contact's name, e-mail and phone)
    and, transitively, what every step writes that reads one of those; in the flow's order."""
    found = {w for step in steps if step.name == key for w in step.writes if w != key}
    frontier = [key, *found]
    while frontier:
        current = frontier.pop()
        for step in steps:
            if current not in step.reads:
                continue
            for written in step.writes:
                if written != key and written not in found:
                    found.add(written)
                    frontier.append(written)
    order = [k for step in steps for k in step.writes]
    return tuple(k for k in dict.fromkeys(order) if k in found)
