"""Free text where a button is expected."""

from __future__ import annotations

from datetime import date, time

from dialogs.parsing import choice_from_text, parse_day, parse_time
from dialogs.screens import Choice

CHOICES = [
    Choice("mode:video_call", "Ραντεβού με τηλεδιάσκεψη"),
    Choice("mode:in_person", "Ραντεβού με φυσική παρουσία"),
    Choice("nav:help", "Βοήθεια"),
]
TUESDAY = date(2026, 12, 1)


def test_a_choice_by_its_number_or_its_label_in_any_case_and_accents():
    assert choice_from_text("2", CHOICES) == CHOICES[1]
    assert choice_from_text(" 1. ", CHOICES) == CHOICES[0]
    assert choice_from_text("ραντεβου με φυσικη παρουσια", CHOICES) == CHOICES[1]
    assert choice_from_text("ΒΟΗΘΕΙΑ", CHOICES) == CHOICES[2]
    assert choice_from_text("4", CHOICES) is None
    assert choice_from_text("0", CHOICES) is None
    assert choice_from_text("κάτι άλλο", CHOICES) is None


def test_times_with_colon_or_dot():
    assert parse_time("10:30")[0] == time(10, 30)
    assert parse_time("10.30")[0] == time(10, 30)
    assert parse_time(" 9:05 ")[0] == time(9, 5)
    for bad in ("25:00", "10:75", "1030", "δέκατο", ""):
        assert parse_time(bad) == ()


def test_dates_in_greek_and_english():
    assert parse_day("25/12", TUESDAY) == date(2026, 12, 25)
    assert parse_day("3/12/2026", TUESDAY) == date(2026, 12, 3)
    assert parse_day("αύριο", TUESDAY) == date(2026, 12, 2)
    assert parse_day("Πέμπτη", TUESDAY) == date(2026, 12, 3)
    assert parse_day("την Πέμπτη", TUESDAY) == date(2026, 12, 3)
    assert parse_day("tomorrow", TUESDAY) == date(2026, 12, 2)
    assert parse_day("3 Δεκεμβρίου", TUESDAY) == date(2026, 12, 3)


def test_a_day_that_has_passed_is_read_as_passed_not_as_next_year():
    assert parse_day("25/11", TUESDAY) == date(2026, 11, 25)
    assert parse_day("1/1/2020", TUESDAY) == date(2020, 1, 1)


def test_what_is_not_a_date():
    for text in ("κάτι", "10:30", "", "x" * 100, "<script>"):
        assert parse_day(text, TUESDAY) is None
