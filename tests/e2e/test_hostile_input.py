"""`python -m bot web` with both webhooks, fed bodies that Telegram and Viber never send: each
gets a 4xx, none a 5xx or a traceback, and the server goes on serving."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp

from integrations.db.tables import telegram_updates
from tests.e2e.telegram_citizen import count_rows, free_port, migrated_database, start_bot, stop
from tests.e2e.test_telegram_webhook import SECRET, wait_until_up
from tests.fake_telegram import FakeTelegram
from tests.fake_viber import FakeViber

NESTED = b"[" * 100_000 + b"]" * 100_000
"""200 KB of nested arrays: the JSON parser would recurse until it fails."""


def hostile_updates(telegram: FakeTelegram) -> list[bytes]:
    update = {"update_id": 9001, **telegram.text_update(6001, "/start")}
    huge_id = dict(update, update_id=2**70)
    huge_chat = json.loads(json.dumps(update))
    huge_chat["message"]["chat"]["id"] = 2**80
    negative = dict(update, update_id=-5)
    return [
        json.dumps(huge_id).encode(),
        json.dumps(huge_chat).encode(),
        json.dumps(negative).encode(),
        NESTED,
        b'{"update_id": 1, "message": ' * 5000 + b"1" + b"}" * 5000,
        b"[]",
        b'"a string"',
        b"\xff\xfe not utf-8",
        json.dumps({"update_id": "x"}).encode(),
        b"",
    ]


async def test_bodies_no_channel_sends_get_a_4xx_and_change_nothing(
    telegram: FakeTelegram, viber: FakeViber, tmp_path: Path
):
    database = migrated_database(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_bot(
        "web",
        telegram,
        database,
        HOST="127.0.0.1",
        PORT=str(port),
        WEBHOOK_SECRET=SECRET,
        VIBER_TOKEN=viber.token,
        VIBER_API_URL=viber.base_url,
        WEBHOOK_BASE_URL=base,
    )
    try:
        await wait_until_up(base + "/health")
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session:
            for body in hostile_updates(telegram):
                async with session.post(
                    base + "/telegram/webhook", data=body, headers=headers
                ) as response:
                    assert 400 <= response.status < 500, body[:60]
            too_big = b'{"update_id": 1, "x": "' + b"a" * 2_000_000 + b'"}'
            async with session.post(
                base + "/telegram/webhook", data=too_big, headers=headers
            ) as response:
                assert response.status == 413
        for body in (NESTED, b"[1, 2]", b"\xff", b'{"event": 12345678901234567890123}'):
            assert 400 <= await viber.post_raw(body) < 500
        assert telegram.messages == {}
        assert viber.sent == []
        assert await count_rows(database, telegram_updates) == 0
        async with (
            aiohttp.ClientSession() as session,
            session.get(base + "/health") as response,
        ):
            assert response.status == 200  # still serving
    finally:
        errors = await stop(process)
    assert "Traceback" not in errors
    assert "ERROR" not in errors
