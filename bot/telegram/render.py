"""Screens as Telegram messages: text and an inline keyboard within Telegram's limits."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from dialogs.screens import Screen

CALLBACK_DATA_LIMIT = 64
"""Bytes: Telegram refuses a button whose callback_data is longer."""
INERT = "noop"
"""callback_data of buttons that only show something (weekday names, days with no time)."""
_STRIKE = "\u0336"


def inert_label(label: str) -> str:
    """A full day stays visible, struck through: "2̶5̶"."""
    if not label.strip() or not label.isdigit():
        return label if label.strip() else " "
    return "".join(ch + _STRIKE for ch in label)


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    rows = []
    for row in screen.rows:
        buttons = []
        for choice in row:
            data = choice.id if choice.id is not None else INERT
            if len(data.encode()) > CALLBACK_DATA_LIMIT:
                raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data[:20]}…")
            label = choice.label if choice.id is not None else inert_label(choice.label)
            buttons.append(InlineKeyboardButton(text=label, callback_data=data))
        rows.append(buttons)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
