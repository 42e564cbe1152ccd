"""`python -m bot` as IT runs it: set up a fresh database, see what citizens can book, and get
one clear line — never a traceback — when the file or the database is wrong."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from datetime import date, time, timedelta
from pathlib import Path

from domain.model import Municipality
from integrations.settings import DEFAULT_BOOKING_CONFIG, PROJECT_DIR
from tests.e2e.staff_office import add_booking, athens_at, office, today
from tests.e2e.telegram_citizen import migrated_database


def run_bot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_migrate_then_show_what_citizens_can_book(tmp_path: Path):
    database = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrated = run_bot("migrate", DATABASE_URL=database)
    assert migrated.returncode == 0, migrated.stderr
    assert "database up to date" in migrated.stdout

    shown = run_bot("availability", DATABASE_URL=database)
    assert shown.returncode == 0, shown.stderr
    assert "Δήμος Χανίων" in shown.stdout
    assert "Υπηρεσία Δόμησης – Αυθαίρετα · video_call" in shown.stdout
    assert "days with free times" in shown.stdout
    assert "08:30" in shown.stdout or "09:00" in shown.stdout


def test_a_broken_configuration_stops_start_up_with_one_line(tmp_path: Path):
    broken = tmp_path / "broken.toml"
    text = DEFAULT_BOOKING_CONFIG.read_text(encoding="utf-8")
    broken.write_text(text.replace('"08:30-11:00"', '"08:30-25:00"', 1), encoding="utf-8")
    result = run_bot("check-config", BOOKING_CONFIG=str(broken))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"{broken}: municipality[1].staff[1].hours.mon: '25:00' is not a time of day (HH:MM)"
    ]


def test_an_unreachable_database_is_reported_in_one_line():
    result = run_bot("migrate", DATABASE_URL="postgresql://nobody:secret@127.0.0.1:1/none")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("database postgresql+asyncpg://nobody:***@127.0.0.1:1/none: ")
    assert "secret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_the_shipped_configuration_checks_clean_before_the_database_exists(tmp_path: Path):
    database = tmp_path / "not-yet.sqlite3"
    result = run_bot("check-config", DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{DEFAULT_BOOKING_CONFIG}: ok (Municipality of Chania)",
        "bookings not checked: the database does not exist yet (python -m bot migrate creates it)",
    ]
    assert not database.exists()  # checking created no empty database


def ordinary_monday(chania: Municipality) -> date:
    """A Monday at least a week ahead whose week has no public holiday."""
    monday = today(chania) + timedelta(days=14 - today(chania).weekday())
    while any(chania.is_closed_on(monday + timedelta(days=d)) for d in range(5)):
        monday += timedelta(days=7)
    return monday


def test_check_config_warns_of_the_bookings_a_changed_configuration_strands(
    tmp_path: Path,
):
    database = migrated_database(tmp_path)
    chania = office(DEFAULT_BOOKING_CONFIG)
    monday = ordinary_monday(chania)
    wednesday, friday = monday + timedelta(days=2), monday + timedelta(days=4)
    bookings = {  # reference: (staff, day, time)
        "XAN-CLOSED": ("staff-1", friday, time(10, 0)),
        "XAN-GONE": ("staff-2", monday, time(9, 0)),
        "XAN-HOURS": ("staff-3", wednesday, time(9, 0)),
        "XAN-FINE": ("staff-3", wednesday, time(12, 0)),
    }
    for number, (reference, (staff, day, wall)) in enumerate(bookings.items()):
        starts = athens_at(chania, day, wall)
        booked = add_booking(
            database, chania, citizen=number, staff_id=staff, starts_at=starts, reference=reference
        )
        asyncio.run(booked)
    text = DEFAULT_BOOKING_CONFIG.read_text(encoding="utf-8")
    text = text.replace('id = "staff-2"', 'id = "staff-9"')  # renamed: her bookings keep the old id
    text = text.replace('wed = ["08:30-10:30", "11:00-14:00"]', 'wed = ["11:00-14:00"]')
    text += (
        f"\n[[municipality.closure]]\nstart = {friday.isoformat()}\nend = {friday.isoformat()}\n"
        'reason = "Απολύμανση"\n'
    )
    changed = tmp_path / "changed.toml"
    changed.write_text(text, "utf-8")

    result = run_bot("check-config", DATABASE_URL=database, BOOKING_CONFIG=str(changed))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == "warning: 3 upcoming booking(s) would be stranded:"
    warned = "\n".join(lines[2:])
    assert "XAN-GONE" in warned
    assert "staff member 'staff-2' is no longer in the configuration" in warned
    assert "XAN-HOURS" in warned
    assert "outside staff-3's working hours" in warned
    assert "XAN-CLOSED" in warned
    assert "falls in a closure (Απολύμανση)" in warned
    assert "XAN-FINE" not in warned
    assert "Μαρία" not in result.stdout  # no citizen named
    assert run_bot("check-config", DATABASE_URL=database).stdout.splitlines()[1] == (
        "upcoming bookings: none stranded by this configuration"
    )


def test_a_bad_environment_variable_is_reported_in_one_line():
    result = run_bot("check-config", PORT="eighty")
    assert result.returncode == 2
    assert result.stderr.strip() == "PORT: 'eighty' is not a port number (1-65535)"


def run_make(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`make …` from a fresh shell: no virtual environment active, nor on the PATH."""
    environment = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    venv = str(PROJECT_DIR / ".venv")
    paths = os.environ.get("PATH", "").split(os.pathsep)
    environment["PATH"] = os.pathsep.join(p for p in paths if not p.startswith(venv))
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=PROJECT_DIR,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_readmes_commands_run_through_make_without_an_active_venv(tmp_path: Path):
    checked = run_make("check-config")
    assert checked.returncode == 0, checked.stderr
    assert f"{DEFAULT_BOOKING_CONFIG}: ok (Municipality of Chania)" in checked.stdout
    database = f"sqlite:///{tmp_path / 'made.sqlite3'}"
    migrated = run_make("migrate", DATABASE_URL=database)
    assert migrated.returncode == 0, migrated.stderr
    assert "database up to date" in migrated.stdout
    broken = run_make("check-config", PORT="eighty")
    assert broken.returncode != 0
    assert "PORT: 'eighty' is not a port number (1-65535)" in broken.stderr


def test_commands_on_the_tables_say_to_migrate_first(tmp_path: Path):
    database = tmp_path / "not-yet.sqlite3"
    for command in (("outbox", "list"), ("purge",)):
        result = run_bot(*command, DATABASE_URL=f"sqlite:///{database}")
        assert result.returncode == 2
        assert result.stderr.strip().endswith(
            "the database does not exist yet (python -m bot migrate creates it)"
        )
    assert not database.exists()


def test_a_port_taken_is_said_in_one_line(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_bot(
            "worker",
            DATABASE_URL=migrated_database(tmp_path),
            HOST="127.0.0.1",
            METRICS_PORT=str(port),
        )
    assert result.returncode == 2
    assert result.stderr.startswith(f"METRICS_PORT={port}: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr
