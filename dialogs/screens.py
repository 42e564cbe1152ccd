"""What the dialog asks the citizen, independent of how a channel draws it."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import ChannelIdentity


@dataclass(frozen=True, slots=True)
class Choice:
    id: str | None
    """What the channel sends back when pressed; None: shown but inert (a full day)."""
    label: str
    description: str | None = None
    """A longer label for channels that list choices one per line (the console)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent after the screen's text (what is kept about the citizen, as JSON)."""

    file_name: str
    content: bytes
    media_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    rows: tuple[tuple[Choice, ...], ...] = ()
    step: str = ""
    """The step this screen asks for; a channel may edit the previous message in place when
    the step stays the same (moving between months, for instance)."""
    calendar: bool = False
    """The rows before the navigation rows form a month grid, weekday names first."""
    toast: str | None = None
    """A short notice for channels that can show one beside the screen (Telegram's answer to
    a button press): why a pressed button did nothing."""
    attachment: Attachment | None = None
    numbered: bool = True
    """Typing a choice's number picks it; False where a number means something else (a day
    of the month, an hour), so channels that number choices (the console) do not."""

    def choices(self) -> list[Choice]:
        """The pressable choices, in reading order: what "type its number" counts."""
        return [c for row in self.rows for c in row if c.id is not None]


@dataclass(frozen=True, slots=True)
class Event:
    """One thing a citizen did: typed text, or pressed a choice; neither: came back to the
    chat (Viber's conversation_started), and sees the step they were at."""

    identity: ChannelIdentity
    text: str | None = None
    choice: str | None = None
    language_hint: str | None = None
    """The channel's idea of the citizen's language (Telegram's language_code)."""
    unreadable: bool = False
    """A sticker, a photo, a voice message: something sent that the bot cannot read."""


REBOOK = "rebook:"
"""nav:rebook:<service>:<mode>: a new booking of that service, from the day step (the button of
the office's cancellation notice)."""
