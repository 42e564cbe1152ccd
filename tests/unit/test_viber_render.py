"""Screens laid out on Viber's six-column keyboard: the calendar's weekdays, full days that
stay visible but do nothing, times three to a row, labels within Viber's limits."""

from __future__ import annotations

import re
from calendar import Calendar
from typing import Any

from bot.viber.render import CHOICE_PREFIX, choice_from_reply, keyboard
from dialogs.screens import Choice, Screen

WEEKDAYS = ("Δε", "Τρ", "Τε", "Πέ", "Πα", "Σά", "Κυ")
BACK = (Choice("nav:back", "« Πίσω"), Choice("nav:cancel", "Άκυρο"))


def december(free: set[int]) -> Screen:
    """December 2026 as the dialog draws it, with the given days free."""
    rows: list[tuple[Choice, ...]] = [tuple(Choice(None, name) for name in WEEKDAYS)]
    for week in Calendar().monthdatescalendar(2026, 12):
        rows.append(
            tuple(
                Choice(None, " ")
                if day.month != 12
                else Choice(f"day:{day.isoformat()}", str(day.day))
                if day.day in free
                else Choice(None, str(day.day))
                for day in week
            )
        )
    rows.append((Choice("day:month:2027-01", "Ιανουάριος ›"),))
    rows.append(BACK)
    return Screen("Επιλέξτε ημέρα", tuple(rows), step="day", calendar=True)


def laid_out(buttons: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    rows: list[list[dict[str, Any]]] = []
    width = 6
    for button in buttons:
        if width == 6:
            rows.append([])
            width = 0
        rows[-1].append(button)
        width += button["Columns"]
        assert width <= 6, "a button runs over the end of its row"
    assert width == 6, "the last row does not fill six columns"
    return rows


def untagged(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def buttons_of(screen: Screen) -> list[dict[str, Any]]:
    drawn = keyboard(screen)
    assert drawn is not None
    return list(drawn["Buttons"])


def test_an_office_open_on_weekdays_gets_a_monday_to_friday_grid():
    rows = laid_out(buttons_of(december(free={1, 2, 3, 4, 7, 8})))
    assert [b["Text"] for b in rows[0]][:5] == list(WEEKDAYS[:5])
    assert [b["Text"] for b in rows[1]][:5] == ["", "1", "2", "3", "4"]  # Monday is November's
    assert rows[1][1]["ActionBody"] == CHOICE_PREFIX + "day:2026-12-01"
    full_day = rows[2][2]  # Wednesday 9th
    assert full_day["ActionType"] == "none"
    assert "9" in full_day["Text"]
    assert full_day["BgColor"] != rows[1][1]["BgColor"]
    shown = {
        int(n) for row in rows[1:] for b in row for n in re.findall(r"^\d+$", untagged(b["Text"]))
    }
    weekdays = {
        d.day for d in Calendar().itermonthdates(2026, 12) if d.month == 12 and d.weekday() < 5
    }
    assert shown == weekdays


def test_a_free_saturday_adds_its_column():
    rows = laid_out(buttons_of(december(free={3, 5})))
    assert [b["Text"] for b in rows[0]] == list(WEEKDAYS[:6])
    assert rows[1][5]["ActionBody"] == CHOICE_PREFIX + "day:2026-12-05"


def test_free_days_on_all_seven_weekdays_become_a_list_of_days():
    rows = laid_out(buttons_of(december(free={1, 2, 3, 4, 5, 6, 7})))
    days = [b["Text"] for row in rows for b in row if "day:2026" in b["ActionBody"]]
    assert days == ["Τρ 1", "Τε 2", "Πέ 3", "Πα 4", "Σά 5", "Κυ 6", "Δε 7"]


def test_times_go_three_to_a_row_and_back_stays_on_its_own_row():
    times = [Choice(f"time:{n}", f"{9 + n // 4:02d}:{n % 4 * 15:02d}") for n in range(8)]
    rows = (tuple(times[:4]), tuple(times[4:]), BACK)
    laid = laid_out(buttons_of(Screen("Ώρα", rows, step="time")))
    assert [len(row) for row in laid] == [3, 3, 2, 2]
    assert [b["Text"] for b in laid[-1]] == ["« Πίσω", "Άκυρο"]


def test_a_long_label_is_cut_within_viber_limit():
    long = Choice("service:permits", "Υπηρεσία Δόμησης " * 30)
    [button] = buttons_of(Screen("Υπηρεσία", ((long,),), step="service"))
    assert len(button["Text"]) == 250
    assert button["Text"].endswith("…")


def test_only_a_pressed_button_is_taken_for_a_choice():
    assert choice_from_reply(CHOICE_PREFIX + "mode:video_call") == "mode:video_call"
    assert choice_from_reply("mode:video_call") is None
    assert choice_from_reply("Μαρία Παπαδάκη") is None
