"""The deployment file: Chania's loads as the seed describes it; a broken one is refused with one
line naming the file, the key and the problem."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest

from domain.model import NEXT_WORKING_DAY, Mode
from integrations.configuration import ConfigError, load_configuration
from integrations.settings import DEFAULT_BOOKING_CONFIG

CHANIA_TOML = DEFAULT_BOOKING_CONFIG.read_text(encoding="utf-8")


def test_chania_has_the_seeds_three_services_of_twenty_minutes_in_both_modes():
    [chania] = load_configuration(DEFAULT_BOOKING_CONFIG).municipalities
    assert chania.name.el == "Δήμος Χανίων"
    assert chania.time_zone.key == "Europe/Athens"
    assert [s.name.el for s in chania.services] == [
        "Υπηρεσία Δόμησης – Πολεοδομικός Σχεδιασμός",
        "Υπηρεσία Δόμησης – Αυθαίρετα",
        "Υπηρεσία Δόμησης – Οικοδομικές Άδειες",
    ]
    for service in chania.services:
        assert service.duration == timedelta(minutes=20)
        assert service.modes == {Mode.IN_PERSON, Mode.VIDEO_CALL}
        assert "Χανίων" in service.description.el
        assert service.summary.en
        assert service.documents.el


def test_chania_has_three_staff_and_the_default_rules():
    [chania] = load_configuration(DEFAULT_BOOKING_CONFIG).municipalities
    assert len(chania.staff) == 3
    monday = chania.staff[0].weekly_hours[0]
    assert monday[0].start == time(8, 30)
    assert monday[-1].end == time(14, 30)
    assert len(monday) == 2  # a break between
    rules = chania.rules
    assert rules.slot_step == timedelta(minutes=15)
    assert rules.minimum_notice == NEXT_WORKING_DAY
    assert rules.window_days == 30
    assert rules.buffer == timedelta(0)
    assert rules.max_active_bookings_per_citizen == 3
    assert "Χανιά" in chania.office_address.el


def test_a_staff_members_name_is_given_in_both_languages_or_once_for_both(tmp_path: Path):
    [chania] = load_configuration(DEFAULT_BOOKING_CONFIG).municipalities
    eleni = chania.staff[0]
    assert (eleni.name_in("el"), eleni.name_in("en")) == ("Ελένη Μαρκάκη", "Eleni Markaki")
    one_name = tmp_path / "one_name.toml"
    one_name.write_text(
        CHANIA_TOML.replace(
            'name = { el = "Ελένη Μαρκάκη", en = "Eleni Markaki" }', 'name = "Ελένη Μαρκάκη"'
        ),
        encoding="utf-8",
    )
    [office] = load_configuration(one_name).municipalities
    assert office.staff[0].name_in("en") == "Ελένη Μαρκάκη"
    half = tmp_path / "half.toml"
    half.write_text(CHANIA_TOML.replace(', en = "Eleni Markaki"', ""), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"staff\[1\]\.name\.en: missing key"):
        load_configuration(half)


def test_greek_public_holidays_come_from_the_holidays_package():
    [chania] = load_configuration(DEFAULT_BOOKING_CONFIG).municipalities
    for holiday in (date(2027, 5, 3), date(2027, 6, 21), date(2027, 3, 25), date(2027, 10, 28)):
        assert chania.is_closed_on(holiday)
    assert not chania.is_closed_on(date(2027, 10, 27))


def test_closures_and_time_off_are_read_as_local_time(tmp_path: Path):
    text = CHANIA_TOML.replace(
        "# [[municipality.closure]]\n# start = 2026-12-24T12:00:00\n# end = 2026-12-24T15:00:00",
        "[[municipality.closure]]\nstart = 2026-12-24T12:00:00\nend = 2026-12-24T15:00:00",
    ).replace(
        "# [[municipality.staff.time_off]]\n# start = 2026-12-28\n# end = 2026-12-31",
        "[[municipality.staff.time_off]]\nstart = 2026-12-28\nend = 2026-12-31",
    )
    [chania] = load_configuration(_write(tmp_path, text)).municipalities
    [closure] = chania.closures
    assert closure.start.isoformat() == "2026-12-24T12:00:00+02:00"
    [time_off] = chania.staff[0].time_off
    assert time_off.end.isoformat() == "2027-01-01T00:00:00+02:00"  # the end date is included


def _write(folder: Path, text: str) -> Path:
    path = folder / "broken.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (
            ('time_zone = "Europe/Athens"', 'time_zone = "Europe/Chania"'),
            "municipality[1].time_zone",
            "unknown time zone 'Europe/Chania'",
        ),
        (
            ('services = ["planning", "permits"]', 'services = ["planning", "pools"]'),
            "municipality[1].staff[2].services",
            "unknown service 'pools'",
        ),
        (
            ('mon = ["09:00-11:30", "12:00-14:30"]', 'mon = ["09:00-11:30", "12:00-25:00"]'),
            "municipality[1].staff[2].hours.mon",
            "'25:00' is not a time of day",
        ),
        (
            ('tue = ["09:00-11:30", "12:00-14:30"]', 'tue = ["09:00-11:30", "11:00-14:30"]'),
            "municipality[1].staff[2].hours.tue",
            "overlap",
        ),
        (
            ('name = { el = "Γιώργος Βλαχάκης", en = "Giorgos Vlachakis" }\n', ""),
            "municipality[1].staff[2].name",
            "missing key",
        ),
        (
            ("window_days = 30", "windows_days = 30"),
            "municipality[1].booking.windows_days",
            "unknown key",
        ),
        (
            ("window_days = 30", 'window_days = "30"'),
            "municipality[1].booking.window_days",
            "expected a whole number",
        ),
        (
            ('minimum_notice = "next_working_day"', 'minimum_notice = "soon"'),
            "municipality[1].booking.minimum_notice",
            "'soon'",
        ),
        (
            ('holiday_country = "GR"', 'holiday_country = "XX"'),
            "municipality[1].holiday_country",
            "no public holidays known",
        ),
        (("[municipality.booking]", "[municipality.booking"), "(syntax)", "line"),
        (
            ("keep_seen_updates_days = 2 ", "keep_seen_updates_days = 1 "),
            "municipality[1].privacy.keep_seen_updates_days",
            "must be at least 2",
        ),
        (
            ("keep_appointments_days = 730", "keep_appointments_days = 0"),
            "municipality[1].privacy.keep_appointments_days",
            "must be at least 1",
        ),
        (
            ("keep_appointments_days = 730", "keep_bookings_days = 730"),
            "municipality[1].privacy.keep_bookings_days",
            "unknown key",
        ),
    ],
)
def test_a_broken_file_is_refused_with_one_line_naming_the_key(
    tmp_path: Path, change: tuple[str, str], key: str, problem: str
):
    old, new = change
    assert old in CHANIA_TOML
    path = _write(tmp_path, CHANIA_TOML.replace(old, new, 1))
    with pytest.raises(ConfigError) as refused:
        load_configuration(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: {key}: ")
    assert problem in message
    assert "\n" not in message


def test_a_missing_file_is_refused_in_one_line(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"nowhere\.toml: \(file\): cannot be read"):
        load_configuration(tmp_path / "nowhere.toml")


def test_the_privacy_periods_default_when_the_section_is_left_out(tmp_path: Path):
    start = CHANIA_TOML.index("[municipality.privacy]")
    end = CHANIA_TOML.index("\n\n", start)
    path = _write(tmp_path, CHANIA_TOML[:start] + CHANIA_TOML[end:])
    (chania,) = load_configuration(path).municipalities
    rules = chania.privacy
    assert (rules.keep_appointments_days, rules.keep_idle_conversations_days) == (730, 30)
    assert rules.data_protection_officer == ""
