"""Where a citizen is in the conversation: a small JSON document saved after every event."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ATHENS = "Europe/Athens"
LANGUAGES = ("el", "en")
_HISTORY_LIMIT = 20
_KEPT_WITH_THE_CITIZEN = ("language", "time_zone")


@dataclass
class Conversation:
    step: str = "menu"
    flow: str = ""
    """"book" or "reschedule" while the citizen is answering the booking steps."""
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    language: str = "el"
    time_zone: str = ATHENS
    """Language and time zone are read from the citizen's record and written back to it
    (the dialog's engine does both); older stored states still carry them."""
    month: str | None = None
    """The calendar month on screen, "2026-12"."""
    reference: str | None = None
    """The booking being looked at, rescheduled or cancelled."""
    refusals: int = 0
    """Answers refused in a row at this step: at the third, the office's phone is offered."""
    asking: dict[str, Any] | None = None
    """An answer asked back («Εννοείτε 10:00;»): the question's key and params, the step that
    asked and the presses a yes makes."""
    revisiting: bool = False
    """The citizen went back in the flow: answering goes one screen forward, not to the first
    unanswered step."""

    @classmethod
    def new(cls, language_hint: str | None) -> Conversation:
        """Greek by default; English when the channel says the citizen's language is not
        Greek."""
        hint = (language_hint or "el").lower()
        return cls(language="el" if hint.startswith("el") else "en")

    def to_json(self) -> str:
        """Without the language and time zone: the citizen's record is their one home."""
        fields = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in _KEPT_WITH_THE_CITIZEN
        }
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Conversation | None:
        """None when the stored state cannot be read (an older format, say): the citizen
        starts again from the menu rather than meeting an error."""
        try:
            data = json.loads(text)
            state = cls(**data)
        except (ValueError, TypeError):
            return None
        if state.language not in LANGUAGES or not isinstance(state.answers, dict):
            return None
        return state

    def go_to(self, step: str) -> None:
        if step != self.step:
            self.history = [*self.history, self.step][-_HISTORY_LIMIT:]
        self.step = step

    def back(self) -> str | None:
        if not self.history:
            return None
        self.step = self.history.pop()
        return self.step

    def end_flow(self) -> None:
        """Leaves any booking flow for the menu, forgetting its answers."""
        self.flow, self.answers, self.history, self.month = "", {}, [], None
        self.revisiting, self.asking = False, None
        self.step = "menu"
