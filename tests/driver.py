"""A citizen talking to the dialog: reads each screen, presses choices by their labels, types
answers, and counts both, as a person would."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.engine import Dialog
from dialogs.screens import Choice, Event, Screen
from domain.model import ChannelIdentity


@dataclass
class Citizen:
    dialog: Dialog
    user_id: str = "1001"
    language_hint: str | None = "el"
    channel: str = "telegram"
    taps: int = 0
    typed: int = 0
    screen: Screen | None = None

    @property
    def identity(self) -> ChannelIdentity:
        return ChannelIdentity(self.channel, self.user_id)

    @property
    def text(self) -> str:
        assert self.screen is not None
        return self.screen.text

    @property
    def step(self) -> str:
        assert self.screen is not None
        return self.screen.step

    def labels(self) -> list[str]:
        assert self.screen is not None
        return [c.label for c in self.screen.choices()]

    def find(self, label: str) -> Choice:
        assert self.screen is not None, "nothing on screen yet"
        choices = self.screen.choices()
        exact = [c for c in choices if c.label == label]
        found = exact or [c for c in choices if label in c.label or label in (c.description or "")]
        assert found, f"no choice {label!r} on screen {self.screen.step}: {self.labels()}"
        return found[0]

    async def _send(self, event: Event) -> Screen:
        screens = await self.dialog.handle(event)
        self.screen = screens[-1]
        return self.screen

    async def type(self, text: str) -> Screen:
        self.typed += 1
        return await self._send(Event(self.identity, text=text, language_hint=self.language_hint))

    async def press(self, label: str) -> Screen:
        self.taps += 1
        choice = self.find(label)
        return await self._send(
            Event(self.identity, choice=choice.id, language_hint=self.language_hint)
        )

    async def press_id(self, choice_id: str) -> Screen:
        """A button from some earlier message, pressed now."""
        self.taps += 1
        return await self._send(
            Event(self.identity, choice=choice_id, language_hint=self.language_hint)
        )

    async def press_first_day(self) -> Screen:
        assert self.screen is not None
        day = next(c for c in self.screen.choices() if c.id and c.id.startswith("day:2"))
        return await self.press(day.label)

    async def press_first_time(self) -> Screen:
        assert self.screen is not None
        first = next(c for c in self.screen.choices() if c.id and c.id.startswith("time:"))
        return await self.press(first.label)
