"""The Telegram dispatcher keeps nothing per citizen in memory: the conversation lives in the
database. aiogram's own state machine, unused here, kept a record in memory for every chat that
ever wrote, for the life of the process."""

from __future__ import annotations

import gc
from pathlib import Path

from aiogram.fsm.storage.memory import MemoryStorageRecord
from aiogram.types import Update

from bot.app import build_app
from bot.telegram.runner import make_bot, make_dispatcher
from integrations.db.migrate import upgrade
from integrations.settings import Settings
from tests.fake_telegram import FakeTelegram


async def test_hundred_citizens_leave_no_record_in_the_dispatcher(
    telegram: FakeTelegram, tmp_path: Path
):
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            "BOT_TOKEN": telegram.token,
            "TELEGRAM_API_URL": telegram.base_url,
            "TELEGRAM_MESSAGES_PER_SECOND": "1000",
            "TELEGRAM_CHAT_MESSAGES_PER_SECOND": "1000",
        }
    )
    app = build_app(settings)
    try:
        await upgrade(app.engine)
        bot, dispatcher = make_bot(app), make_dispatcher(app)
        for number in range(100):
            body = {"update_id": number + 1, **telegram.text_update(700_000 + number, "/help")}
            await dispatcher.feed_update(bot, Update.model_validate(body, context={"bot": bot}))
        assert len(telegram.sent_at) == 100  # each citizen answered
        gc.collect()
        assert not [o for o in gc.get_objects() if isinstance(o, MemoryStorageRecord)]
    finally:
        await app.close()
