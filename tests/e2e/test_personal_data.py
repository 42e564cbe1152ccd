"""Personal data, with the bot, the worker and the web server running as processes against the
local Bot API server and a real SMTP server:

- a whole booking, reschedule and cancellation with every log line captured at DEBUG: the
  citizen's name, e-mail and phone appear in none of them, nor in the errors stored with the
  outbox's notifications;
- /mydata sends the citizen a JSON file of everything kept;
- /forgetme cancels the upcoming appointment (the staff group and the citizen's e-mail are told),
  and once the purge has run nothing personal is left in any table of the schema, read from the
  database itself, so that a table added later is checked too;
- the privacy notice's page in both languages."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import MetaData, select

from integrations.db.engine import create_engine
from integrations.db.tables import outbox
from integrations.settings import PROJECT_DIR
from tests.e2e.telegram_citizen import (
    TelegramCitizen,
    free_port,
    migrated_database,
    start_bot,
    stop,
    table_rows,
)
from tests.e2e.test_telegram_webhook import SECRET, wait_until_up
from tests.e2e.test_worker import wait_until
from tests.fake_telegram import FakeTelegram
from tests.smtp_server import PASSWORD, USERNAME, SmtpServer

CITIZEN = 777000111
NAME = "Ευτέρπη Καλογεράκη"
EMAIL = "efterpi.kalogeraki@example.com"
PHONE = "6944123987"
SUBJECT = "Τακτοποίηση αυθαιρέτου στον Βάμο"
THIRD_NAME = "Ιάκωβος Τζανακάκης"
THIRD_EMAIL = "iakovos.tzanakakis@example.com"
PERSONAL = (NAME, EMAIL, PHONE, SUBJECT, THIRD_NAME, THIRD_EMAIL, "Καλογεράκη", "efterpi")
STAFF_GROUP = -100900


@pytest.fixture
def database(tmp_path: Path) -> str:
    return migrated_database(tmp_path)


@pytest.fixture
async def smtp(tmp_path: Path) -> AsyncIterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def mail_settings(smtp: SmtpServer, folder: Path) -> dict[str, str]:
    authority = folder / "authority.pem"
    smtp.write_authority(str(authority))
    return {
        "STAFF_CHAT_ID": str(STAFF_GROUP),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_USERNAME": USERNAME,
        "SMTP_PASSWORD": PASSWORD,
        "MAIL_FROM": "Δήμος Χανίων <rantevou@chania.example>",
        "SSL_CERT_FILE": str(authority),
    }


async def book(citizen: TelegramCitizen) -> None:
    await to_the_summary(citizen)
    await citizen.press("Επιβεβαίωση κράτησης")
    assert "Το ραντεβού σας κλείστηκε." in citizen.text


async def to_the_summary(citizen: TelegramCitizen) -> None:
    await citizen.say("/start")
    await citizen.press("Νέα κράτηση")
    await citizen.press("Ραντεβού με τηλεδιάσκεψη")
    await citizen.press("Αυθαίρετα")
    await citizen.press_first("day:20")
    await citizen.press_first("time:")
    await citizen.press("Οποιοσδήποτε")
    if "Να χρησιμοποιήσω τα στοιχεία σας" in citizen.text:
        await citizen.press("Ναι")
    else:
        for answer in (NAME, EMAIL, PHONE):
            await citizen.say(answer)
    await citizen.say(SUBJECT)
    await citizen.press("Δεν έχω")
    await citizen.press("Ναι")
    await citizen.say(THIRD_NAME)
    await citizen.say(THIRD_EMAIL)
    await citizen.press("ΝΑΙ")
    await citizen.press("Συμφωνώ")


def logging_to(
    log: Path, command: str, telegram: FakeTelegram, database: str, env: dict[str, str]
) -> subprocess.Popen[str]:
    """`python -m bot <command>` writing its log to a file: DEBUG output would fill a pipe
    that is read only at the end."""
    environment = {
        **os.environ,
        "DATABASE_URL": database,
        "BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.base_url,
        "TELEGRAM_CHAT_MESSAGES_PER_SECOND": "20",
        **env,
    }
    with log.open("w", encoding="utf-8") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", command],
            cwd=PROJECT_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )


def subjects_to(smtp: SmtpServer, address: str) -> list[str]:
    return [str(m["Subject"]) for m in smtp.mailbox.to(address)]


async def test_no_log_line_and_no_stored_error_carries_the_citizens_details_json_or_text(
    telegram: FakeTelegram, database: str, smtp: SmtpServer, tmp_path: Path
):
    smtp.mailbox.refuse.add(THIRD_EMAIL)  # a failure whose error is stored with the row
    debug = {"LOG_LEVEL": "DEBUG", **mail_settings(smtp, tmp_path)}
    port = free_port()
    web = {"PORT": str(port), "WEBHOOK_SECRET": SECRET}
    logs = [tmp_path / f"{name}.log" for name in ("run", "worker", "web")]
    processes = [
        logging_to(logs[0], "run", telegram, database, debug),
        logging_to(logs[1], "worker", telegram, database, debug | {"LOG_FORMAT": "json"}),
        logging_to(logs[2], "web", telegram, database, debug | web),
    ]
    try:
        await telegram.wait_for_call("getUpdates", seconds=30)
        await wait_until_up(f"http://127.0.0.1:{port}/health")
        citizen = TelegramCitizen(telegram, CITIZEN)
        await book(citizen)
        await citizen.press("Προγραμματισμός εκ νέου")
        await citizen.press_first("day:20")
        later = [b for b in citizen.buttons() if b["callback_data"].startswith("time:")][1]
        await citizen.press(later["text"])
        await citizen.press("Οποιοσδήποτε")
        await citizen.press("Επιβεβαίωση νέας ώρας")
        await citizen.press("Ακύρωση κράτησης")
        await citizen.press("Ναι, ακύρωση")
        await wait_until(lambda: any("Ακύρωση" in s for s in subjects_to(smtp, EMAIL)), 30)
        update = {"update_id": 777, **telegram.text_update(CITIZEN, "/mybookings")}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{port}/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as response,
        ):
            assert response.status == 200
    finally:
        for process in processes:
            await stop(process)
    everything = "\n".join(log.read_text(encoding="utf-8") for log in logs)
    assert "DEBUG" in everything  # the capture is real: the processes did log at DEBUG
    worker_lines = [json.loads(line) for line in logs[1].read_text("utf-8").splitlines()]
    assert worker_lines
    assert all({"time", "level", "logger", "message"} <= set(line) for line in worker_lines)
    assert "Traceback" not in everything
    leaks = [line for line in everything.splitlines() if any(d in line for d in PERSONAL)]
    assert leaks == []
    errors = [r.last_error for r in await table_rows(database, outbox) if r.last_error]
    assert errors, "the refused e-mail left no stored error to check"
    for detail in PERSONAL:
        assert all(detail not in error for error in errors), f"{detail!r} in an outbox error"


async def test_mydata_sends_a_file_and_forgetme_leaves_nothing_personal_in_any_table(
    telegram: FakeTelegram, database: str, smtp: SmtpServer, tmp_path: Path
):
    bot = start_bot("run", telegram, database, **mail_settings(smtp, tmp_path))
    try:
        await telegram.wait_for_call("getUpdates", seconds=30)
        citizen = TelegramCitizen(telegram, CITIZEN)
        await book(citizen)
        await wait_until(lambda: len(subjects_to(smtp, EMAIL)) == 1, 30)

        await citizen.say("/mydata")
        assert EMAIL in citizen.text
        await telegram.wait_for_file(CITIZEN)
        (sent,) = [f for f in telegram.files if f.chat_id == CITIZEN]
        kept = json.loads(sent.content)
        assert kept["citizen"]["full_name"] == NAME
        assert kept["bookings"][0]["third_person"]["email"] == THIRD_EMAIL

        await citizen.say("/forgetme")
        await citizen.press("Ναι, διαγραφή")
        assert "Έγινε. Διαγράψαμε:" in citizen.text
        await wait_until(lambda: any("Ακύρωση" in s for s in subjects_to(smtp, EMAIL)), 30)
        await wait_until(lambda: any("❌" in m.text for m in telegram.sent_to(STAFF_GROUP)), 30)
        await wait_until_nothing_pending(database)
    finally:
        assert "Traceback" not in await stop(bot)

    purge = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "purge",
        cwd=PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": database},
        stdout=asyncio.subprocess.PIPE,
    )
    said, _ = await purge.communicate()
    assert purge.returncode == 0
    assert "bookings_erased=1" in said.decode()
    found = await personal_data_anywhere(database)
    assert found == [], found


async def wait_until_nothing_pending(database: str, seconds: float = 30) -> None:
    """Until the cancellation's notices (e-mail, staff ping, calendar) have gone."""
    deadline = time.monotonic() + seconds
    while True:
        rows = await table_rows(database, outbox)
        if not [r for r in rows if r.status == "pending" and "reminder" not in r.kind]:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("notifications still pending")
        await asyncio.sleep(0.1)


async def personal_data_anywhere(database: str) -> list[str]:
    """Every value of every row of every table the database has, against the citizen's
    details and Telegram id."""
    engine = create_engine(database.replace("sqlite://", "sqlite+aiosqlite://", 1))
    markers = (*PERSONAL, str(CITIZEN))
    found = []
    try:
        async with engine.connect() as connection:
            schema = MetaData()
            await connection.run_sync(schema.reflect)
            assert {"bookings", "citizens", "conversations", "outbox"} <= set(schema.tables)
            for table in schema.tables.values():
                for row in await connection.execute(select(table)):
                    for column, value in row._mapping.items():
                        text = str(value)
                        found += [f"{table.name}.{column}: {m}" for m in markers if m in text]
    finally:
        await engine.dispose()
    return found


async def test_the_privacy_page_in_both_languages(
    telegram: FakeTelegram, database: str, tmp_path: Path
):
    port = free_port()
    web = start_bot("web", telegram, database, PORT=str(port), WEBHOOK_SECRET=SECRET)
    base = f"http://127.0.0.1:{port}"
    pages: dict[str, Any] = {}
    try:
        await wait_until_up(base + "/health")
        async with aiohttp.ClientSession() as session:
            for language in ("el", "en", "xx"):
                async with session.get(f"{base}/privacy?lang={language}") as response:
                    assert response.status == 200
                    assert response.content_type == "text/html"
                    pages[language] = (response.headers["Content-Language"], await response.text())
    finally:
        assert "Traceback" not in await stop(web)
    assert pages["el"][0] == "el"
    assert "Υπεύθυνος επεξεργασίας: Δήμος Χανίων" in pages["el"][1]
    assert "730 ημέρες μετά" in pages["el"][1]
    assert pages["en"][0] == "en"
    assert "Controller: Municipality of Chania" in pages["en"][1]
    assert "erased 730 days after it" in pages["en"][1]
    assert pages["xx"][0] == "el"  # an unknown language: the Greek page
