"""The terminal chat as anyone would try it: `python -m bot console`, answers typed line by line.
A booking, a reschedule and a cancellation, checked in the database afterwards."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Row, select

from integrations.db.engine import create_engine
from integrations.db.tables import bookings
from integrations.settings import PROJECT_DIR
from tests.e2e.test_command_line import run_bot

BOOK_A_VIDEO_CALL = [
    "1",  # Νέα κράτηση
    "1",  # Ραντεβού με τηλεδιάσκεψη
    "3",  # Οικοδομικές Άδειες
    "την πρώτη διαθέσιμη",  # the first free day (numbers on that screen are days of the month)
    "την πρώτη διαθέσιμη",  # its first free time
    "1",  # Οποιοσδήποτε
    "Μαρία Παπαδάκη",
    "maria@example.com",
    "6912345678",
    "Έλεγχος φακέλου άδειας",
    "1",  # Δεν έχω (application number)
    "2",  # Όχι (third person)
    "1",  # ΝΑΙ (documents)
    "1",  # Συμφωνώ
    "1",  # Επιβεβαίωση κράτησης
]
RESCHEDULE = ["1", "την πρώτη διαθέσιμη", "την πρώτη διαθέσιμη", "1", "1"]  # reschedule
CANCEL = ["2", "1"]  # cancel booking; yes


def test_book_reschedule_and_cancel_in_the_terminal(tmp_path: Path):
    database = f"sqlite:///{tmp_path / 'console.sqlite3'}"
    assert run_bot("migrate", DATABASE_URL=database).returncode == 0
    lines = [*BOOK_A_VIDEO_CALL, *RESCHEDULE, *CANCEL]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        cwd=PROJECT_DIR,
        input="\n".join(lines) + "\n",
        env={
            "DATABASE_URL": database,
            "CONSOLE_USER": "maria",
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "Καλώς ήρθατε!" in out
    assert "  1. Νέα κράτηση" in out
    assert "Το ραντεβού σας κλείστηκε." in out
    assert "Το ραντεβού σας μεταφέρθηκε." in out
    assert "ακυρώθηκε." in out

    [row] = asyncio.run(_bookings(database))
    assert row.status == "cancelled"
    assert row.sequence == 2  # moved once, then cancelled
    assert row.full_name == "Μαρία Παπαδάκη"
    assert row.reference in out


async def _bookings(database: str) -> list[Row[Any]]:
    engine = create_engine(database.replace("sqlite://", "sqlite+aiosqlite://"))
    async with engine.connect() as connection:
        rows = (await connection.execute(select(bookings))).all()
    await engine.dispose()
    return list(rows)
