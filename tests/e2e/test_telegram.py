"""The bot as a process, long-polling a local server that speaks the Bot API; a scripted citizen
books a video call by reading messages and pressing buttons, then reschedules and cancels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integrations.db.tables import bookings
from tests.e2e.telegram_citizen import (
    TelegramCitizen,
    free_port,
    migrated_database,
    start_bot,
    stop,
    stop_when_done,
    table_rows,
)
from tests.e2e.test_operator import until, value
from tests.fake_telegram import FakeTelegram


@pytest.fixture
def database(tmp_path: Path) -> str:
    return migrated_database(tmp_path)


async def polling_bot(telegram: FakeTelegram, database: str) -> Any:
    process = start_bot("run", telegram, database)
    await telegram.wait_for_call("getUpdates", seconds=30)
    return process


async def test_book_reschedule_and_cancel_a_video_call_by_pressing_buttons(telegram, database):
    bot = await polling_bot(telegram, database)
    try:
        maria = TelegramCitizen(telegram, user_id=5001)
        await maria.say("/start")
        assert "Καλώς ήρθατε!" in maria.text
        await maria.press("Νέα κράτηση")
        await maria.press("Ραντεβού με τηλεδιάσκεψη")
        await maria.press("Οικοδομικές Άδειες (20 λεπτά)")
        calendar = maria.screen
        assert calendar is not None
        assert [b["text"] for b in calendar.keyboard[0]] == [
            "Δε",
            "Τρ",
            "Τε",
            "Πέ",
            "Πα",
            "Σά",
            "Κυ",
        ]
        assert all(len(row) == 7 for row in calendar.keyboard[1:-2])
        await maria.press_first("day:20")
        assert all(len(row) <= 4 for row in maria.screen.keyboard[:-1])  # type: ignore[union-attr]
        await maria.press_first("time:")
        await maria.press("Οποιοσδήποτε")
        for answer in ("Μαρία Παπαδάκη", "maria@example.com", "6912345678", "Έλεγχος φακέλου"):
            await maria.say(answer)
        await maria.press("Δεν έχω")
        await maria.press("Ναι")
        await maria.say("Νίκος Μηχανικός")
        await maria.say("nikos@example.com")
        await maria.press("ΝΑΙ")
        await maria.press("Συμφωνώ")
        assert "Τρίτο πρόσωπο: Νίκος Μηχανικός nikos@example.com" in maria.text
        await maria.press("Επιβεβαίωση κράτησης")
        assert "Το ραντεβού σας κλείστηκε." in maria.text
        [booked] = await table_rows(database, bookings)
        assert booked.reference in maria.text
        assert booked.third_person_email == "nikos@example.com"

        await maria.press("Προγραμματισμός εκ νέου")
        await maria.press_first("day:20")
        second_time = [b for b in maria.buttons() if b["callback_data"].startswith("time:")][1]
        await maria.press(second_time["text"])
        await maria.press("Οποιοσδήποτε")
        await maria.press("Επιβεβαίωση νέας ώρας")
        assert "Το ραντεβού σας μεταφέρθηκε." in maria.text
        await maria.press("Ακύρωση κράτησης")
        await maria.press("Ναι, ακύρωση")
        assert f"Η κράτηση {booked.reference} ακυρώθηκε." in maria.text

        [cancelled] = await table_rows(database, bookings)
        assert cancelled.status == "cancelled"
        assert cancelled.sequence == 2
        assert len(telegram.callback_answers) == maria.presses  # no button spins forever
        every_button = [b for m in telegram.messages.values() for row in m.keyboard for b in row]
        assert all(len(b["callback_data"].encode()) <= 64 for b in every_button)
        assert {c["command"] for c in telegram.commands["el"]} == {
            "start",
            "book",
            "mybookings",
            "language",
            "timezone",
            "privacy",
            "mydata",
            "forgetme",
            "help",
            "cancel",
        }
        assert telegram.commands["el"][1]["description"] == "Νέα κράτηση"
        assert telegram.commands[""][1]["description"] == "New booking"
    finally:
        assert "Traceback" not in await stop(bot)


async def test_a_restart_between_two_steps_and_an_old_button(telegram, database):
    bot = await polling_bot(telegram, database)
    giorgos = TelegramCitizen(telegram, user_id=5002)
    try:
        await giorgos.say("/book")
        mode_message = giorgos.screen
        await giorgos.press("Ραντεβού με φυσική παρουσία")
    finally:
        await stop(bot)
    bot = await polling_bot(telegram, database)
    try:
        await giorgos.press("Αυθαίρετα")
        assert "επιλέξτε ημέρα" in giorgos.text
        await giorgos.press_data("mode:video_call", on=mode_message)
        assert telegram.callback_answers[-1].get("text") == (
            "Αυτό το κουμπί είναι από προηγούμενο μήνυμα."
        )
        assert "επιλέξτε ημέρα" in giorgos.text
        edits = sum(1 for method, _ in telegram.calls if method == "editMessageText")
        await giorgos.press_first("day:20")
        assert sum(1 for method, _ in telegram.calls if method == "editMessageText") == edits + 1
    finally:
        assert "Traceback" not in await stop(bot)


async def test_a_repeated_update_is_handled_once_and_groups_are_ignored(telegram, database):
    port = free_port()
    bot = start_bot("run", telegram, database, HOST="127.0.0.1", METRICS_PORT=str(port))
    try:
        await telegram.wait_for_call("getUpdates", seconds=30)
        anna = TelegramCitizen(telegram, user_id=5003, language="en")
        await anna.say("/start")
        assert "What would you like to do?" in anna.text
        before = telegram.screen_changes[5003]
        first = telegram.push(telegram.text_update(5003, "/mybookings"))
        await telegram.wait_for_screen(5003, before)
        sent_before = len(telegram.messages)
        telegram.push_again(first)
        group = telegram.text_update(-100200, "/start")
        group["message"]["chat"] = {"id": -100200, "type": "group", "title": "Staff"}
        telegram.push(group)
        # The bot's own count says when all four updates are through its hands.
        await until(
            f"http://127.0.0.1:{port}/metrics",
            lambda figures: (
                value(figures, "rantevou_updates_total", channel="telegram", outcome="ok") == 4
            ),
        )
        assert len(telegram.messages) == sent_before
        assert -100200 not in telegram.screens
    finally:
        assert "Traceback" not in await stop(bot)


async def test_a_wrong_token_stops_the_bot_with_one_line(telegram, database):
    telegram.token = "999:NOT-THE-TOKEN"  # the server now accepts only this one
    process = start_bot("run", telegram, database, BOT_TOKEN="123456:TEST-TOKEN")
    stderr = await stop_when_done(process)
    assert process.returncode == 2
    assert stderr.strip().splitlines()[-1] == (
        "Telegram refused BOT_TOKEN (Unauthorized): check the token from @BotFather."
    )
    assert "Traceback" not in stderr


async def test_with_redis_down_citizens_are_still_answered_and_it_is_said_once(
    telegram: FakeTelegram, database: str
):
    nothing_there = f"redis://127.0.0.1:{free_port()}/0"
    bot = start_bot("run", telegram, database, REDIS_URL=nothing_there, STAFF_CHAT_ID="-100700")
    try:
        await telegram.wait_for_call("getUpdates", seconds=30)
        eleni = TelegramCitizen(telegram, user_id=5077)
        await eleni.say("/start")
        assert "Καλώς ήρθατε!" in eleni.text
        await eleni.press("Νέα κράτηση")
        await eleni.press("Ραντεβού με τηλεδιάσκεψη")
        assert "Αυθαίρετα" in " ".join(eleni.labels())
    finally:
        stderr = await stop(bot)
    assert "Traceback" not in stderr
    assert stderr.count("Redis is unreachable: Telegram's pace is kept per instance only") == 1
    assert stderr.count("Redis is unreachable: citizens' turns are ordered per instance only") == 1
