"""Screens as Viber messages: the text, and a keyboard of reply buttons.

Viber's keyboard is six columns wide and every row must fill them, so the layout differs from
Telegram's:
- The calendar shows Monday to Friday, and Saturday or Sunday only when a day on it is free this
  month; a month with free days on all seven weekdays is shown as a list of days, three to a
  row. Full days stay visible, grey and inert (`ActionType: none`).
- Answers with short labels (times) go three to a row; the buttons of a row share the six
  columns.
A pressed button sends its `ActionBody` as the citizen's message: the choice id behind
CHOICE_PREFIX, which typed text does not start with. Buttons are `Silent`, so the id is not
shown in the chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dialogs.screens import Choice, Screen

WIDTH = 6
WORKWEEK = 5
"""Monday to Friday: always columns of the calendar (the dialog's weeks start on Monday)."""
LABEL_LIMIT = 250
"""Characters of a button's Text."""
TEXT_LIMIT = 7000
"""Characters of a message's text."""
CHOICE_PREFIX = "\u2192choice:"
"""Starts the ActionBody of every button: "→choice:day:2026-12-03"."""
SHORT_LABEL = 8
"""Answers with labels up to this long ("09:15") go three to a row…"""
MEDIUM_LABEL = 20
"""…up to this long, two; longer, one."""

FREE_COLOUR = "#E3DEFC"
FULL_COLOUR = "#F0F0F0"
FULL_TEXT_COLOUR = "#A0A0A0"
BUTTON_COLOUR = "#FFFFFF"
KEYBOARD_COLOUR = "#F7F7F7"

Button = dict[str, Any]


def choice_from_reply(text: str) -> str | None:
    """The choice id a pressed button sent, or None for typed text."""
    return text.removeprefix(CHOICE_PREFIX) if text.startswith(CHOICE_PREFIX) else None


def message_text(screen: Screen) -> str:
    return screen.text if len(screen.text) <= TEXT_LIMIT else screen.text[: TEXT_LIMIT - 1] + "…"


def keyboard(screen: Screen) -> dict[str, Any] | None:
    if not screen.rows:
        return None
    rows: list[tuple[Choice, ...]] = list(screen.rows)
    buttons: list[Button] = []
    if screen.calendar:
        grid_end = next(
            (i for i, row in enumerate(rows[1:], 1) if len(row) != len(rows[0])), len(rows)
        )
        buttons += _calendar(rows[:grid_end])
        rows = rows[grid_end:]
    for row in _answers_regrouped(rows, screen.step):
        buttons += _row(row)
    return {
        "Type": "keyboard",
        "DefaultHeight": False,
        "BgColor": KEYBOARD_COLOUR,
        "Buttons": buttons,
    }


def _calendar(grid: Sequence[tuple[Choice, ...]]) -> list[Button]:
    """`grid`: the weekday names, then one row per week."""
    header, weeks = grid[0], grid[1:]
    columns = list(range(len(header)))
    while len(columns) > WORKWEEK and not any(week[columns[-1]].id for week in weeks):
        columns.pop()  # the weekend, when nothing is free on it
    if len(columns) > WIDTH:
        named = [Choice(c.id, f"{header[i].label} {c.label}") for c, i in _with_weekday(weeks)]
        return [b for row in _rows_of(named, 3) for b in _row(row)]
    width = WIDTH // len(columns)
    spare = WIDTH - width * len(columns)
    buttons = [_label(header[c].label, width) for c in columns]
    buttons += [_label("", spare)] if spare else []
    for week in weeks:
        if not any(week[c].label.strip() for c in columns):
            continue
        buttons += [_day(week[c], width) for c in columns]
        buttons += [_label("", spare)] if spare else []
    return buttons


def _with_weekday(weeks: Sequence[tuple[Choice, ...]]) -> list[tuple[Choice, int]]:
    return [(choice, i) for week in weeks for i, choice in enumerate(week) if choice.id]


def _day(choice: Choice, width: int) -> Button:
    if choice.id is None and not choice.label.strip():  # a day of the month before or after
        return _label("", width)
    if choice.id is None:
        return _label(f'<font color="{FULL_TEXT_COLOUR}">{choice.label}</font>', width, FULL_COLOUR)
    return _reply(choice, width, FREE_COLOUR)


def _answers_regrouped(rows: Sequence[tuple[Choice, ...]], step: str) -> list[tuple[Choice, ...]]:
    """Rows of several answers to this step (times, months) are gathered and laid out again,
    as many to a row as their labels allow; other rows (back, cancel) stay as they are."""
    laid_out: list[tuple[Choice, ...]] = []
    gathered: list[Choice] = []
    for row in rows:
        if len(row) > 1 and all((c.id or "").startswith(f"{step}:") for c in row):
            gathered += row
            continue
        laid_out += _rows_of(gathered, _per_row(gathered))
        gathered = []
        laid_out.append(row)
    return laid_out + _rows_of(gathered, _per_row(gathered))


def _per_row(choices: list[Choice]) -> int:
    longest = max((len(c.label) for c in choices), default=0)
    return 3 if longest <= SHORT_LABEL else 2 if longest <= MEDIUM_LABEL else 1


def _rows_of(choices: list[Choice], size: int) -> list[tuple[Choice, ...]]:
    return [tuple(choices[i : i + size]) for i in range(0, len(choices), size)]


def _row(row: tuple[Choice, ...]) -> list[Button]:
    """The row's buttons share the six columns; the first ones take what does not divide."""
    width, spare = divmod(WIDTH, len(row))
    return [
        _reply(choice, width + (1 if i < spare else 0), BUTTON_COLOUR)
        if choice.id is not None
        else _label(choice.label, width + (1 if i < spare else 0))
        for i, choice in enumerate(row)
    ]


def _reply(choice: Choice, width: int, colour: str) -> Button:
    assert choice.id is not None
    return {
        "Columns": width,
        "Rows": 1,
        "ActionType": "reply",
        "ActionBody": CHOICE_PREFIX + choice.id,
        "Text": _fit(choice.label),
        "TextSize": "regular",
        "BgColor": colour,
        "Silent": True,
    }


def _label(text: str, width: int, colour: str = KEYBOARD_COLOUR) -> Button:
    """A button that only shows something: a weekday name, a full day, a gap."""
    return {
        "Columns": width,
        "Rows": 1,
        "ActionType": "none",
        "ActionBody": "none",
        "Text": _fit(text),
        "TextSize": "small",
        "BgColor": colour,
        "Silent": True,
    }


def _fit(label: str) -> str:
    return label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"
