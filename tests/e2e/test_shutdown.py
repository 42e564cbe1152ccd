"""SIGTERM while a reply waits out Telegram's 429: the bot stops taking updates, finishes the
one in hand — the citizen gets her reply — and exits cleanly. SIGKILL at the same moment loses
the reply, and only it: the booking stands, once, and her next /start shows it."""

from __future__ import annotations

import time
from pathlib import Path

from integrations.db.tables import bookings
from tests.e2e.telegram_citizen import (
    TelegramCitizen,
    migrated_database,
    start_bot,
    stop,
    table_rows,
)
from tests.e2e.test_personal_data import to_the_summary
from tests.e2e.test_worker import wait_until
from tests.fake_telegram import FakeTelegram

REPLIES = ("sendMessage", "editMessageText")


async def test_sigterm_during_a_429_still_answers_the_citizen(
    telegram: FakeTelegram, tmp_path: Path
):
    database = migrated_database(tmp_path)
    process = start_bot("run", telegram, database)
    await telegram.wait_for_call("getUpdates", seconds=30)
    telegram.answer_with_retry_after["sendMessage"] = 2  # two 429s, retry_after=1 each
    telegram.push(telegram.text_update(6201, "/start"))
    await wait_until(lambda: any(m == "sendMessage" for m, _ in telegram.calls), 15)
    asked = time.monotonic()
    errors = await stop(process)  # SIGTERM now, with the reply waiting out the 429s
    assert process.returncode == 0
    assert "Traceback" not in errors
    replies = telegram.sent_to(6201)
    assert len(replies) == 1
    assert "Καλώς ήρθατε!" in replies[0].text
    assert time.monotonic() - asked >= 1  # it did wait for the reply, rather than exit


async def test_sigkill_before_the_booked_reply_went_out_the_next_start_shows_the_booking(
    telegram: FakeTelegram, tmp_path: Path
):
    database = migrated_database(tmp_path)
    process = start_bot("run", telegram, database)
    maria = TelegramCitizen(telegram, user_id=6202)
    try:
        await telegram.wait_for_call("getUpdates", seconds=30)
        await to_the_summary(maria)
        for method in REPLIES:  # the reply to Confirm will wait out 429 after 429
            telegram.answer_with_retry_after[method] = 1000
        asked = len(telegram.calls)
        confirm = next(b for b in maria.buttons() if b["text"] == "Επιβεβαίωση κράτησης")
        assert maria.screen is not None
        telegram.push(
            telegram.press_update(6202, maria.screen.message_id, confirm["callback_data"])
        )
        await wait_until(lambda: any(m in REPLIES for m, _ in telegram.calls[asked:]), 15)
    finally:
        await stop(process, kill=True)
    assert "Το ραντεβού σας κλείστηκε." not in maria.text  # the reply was lost
    [booking] = await table_rows(database, bookings)
    telegram.answer_with_retry_after.clear()
    process = start_bot("run", telegram, database)
    try:
        await maria.say("/start")
        assert "Οι επόμενες κρατήσεις σας:" in maria.text
        assert booking.reference in maria.text
        assert len(await table_rows(database, bookings)) == 1
    finally:
        assert "Traceback" not in await stop(process)
