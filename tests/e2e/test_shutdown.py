"""SIGTERM while a reply waits out Telegram's 429: the bot stops taking updates, finishes the
one in hand — the citizen gets her reply — and exits cleanly."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.telegram_citizen import migrated_database, start_bot, stop
from tests.e2e.test_worker import wait_until
from tests.fake_telegram import FakeTelegram


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
