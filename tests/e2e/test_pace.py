"""A burst of 200 updates from 100 citizens, through the bot as a process: what arrives at the
local Bot API server keeps Telegram's limits in every second — at most 30 messages overall and
one to any chat — and every citizen is answered."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tests.e2e.telegram_citizen import migrated_database, start_bot, stop
from tests.e2e.test_worker import wait_until
from tests.fake_telegram import FakeTelegram

CITIZENS = 100


def most_in_one_second(times: list[float]) -> int:
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def test_a_burst_keeps_telegrams_limits_at_the_server(telegram: FakeTelegram, tmp_path: Path):
    database = migrated_database(tmp_path)
    process = start_bot("run", telegram, database, TELEGRAM_CHAT_MESSAGES_PER_SECOND="")
    try:
        await telegram.wait_for_call("getUpdates", seconds=30)
        for citizen in range(CITIZENS):
            telegram.push(telegram.text_update(7000 + citizen, "/start"))
            telegram.push(telegram.text_update(7000 + citizen, "/help"))
        await wait_until(lambda: len(telegram.sent_at) >= 2 * CITIZENS, 60)
    finally:
        errors = await stop(process)
    assert "Traceback" not in errors
    per_chat: dict[int, list[float]] = defaultdict(list)
    for chat, at in telegram.sent_at:
        per_chat[chat].append(at)
    assert len(per_chat) == CITIZENS
    assert most_in_one_second([at for _, at in telegram.sent_at]) <= 30
    assert max(most_in_one_second(times) for times in per_chat.values()) == 1
