"""`python -m bot web`: updates posted to the webhook with the right secret, a wrong one and
none. Only the right secret gets anything done, and the update is handled before the 200."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from integrations.db.tables import conversations
from integrations.settings import PROJECT_DIR
from tests.e2e.telegram_citizen import (
    count_rows,
    free_port,
    migrated_database,
    start_bot,
    stop,
)

SECRET = "test-webhook-secret-0123456789abcdef"


async def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(url)
            await asyncio.sleep(0.2)


async def test_only_the_right_secret_gets_an_update_handled(telegram, tmp_path: Path):
    database = migrated_database(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bot = start_bot(
        "web",
        telegram,
        database,
        HOST="127.0.0.1",
        PORT=str(port),
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_BASE_URL=base,
    )
    try:
        await wait_until_up(base + "/health")
        await telegram.wait_for_call("setWebhook")
        [registered] = [params for method, params in telegram.calls if method == "setWebhook"]
        assert registered["url"] == base + "/telegram/webhook"
        assert registered["secret_token"] == SECRET

        update = {"update_id": 9001, **telegram.text_update(6001, "/start")}
        async with aiohttp.ClientSession() as session:
            for headers in (
                {},
                {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]},
            ):
                async with session.post(
                    base + "/telegram/webhook", json=update, headers=headers
                ) as response:
                    assert response.status == 401
            assert telegram.messages == {}
            assert await count_rows(database, conversations) == 0

            right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with session.post(
                base + "/telegram/webhook", json=update, headers=right
            ) as response:
                assert response.status == 200
                # Answered only after the reply was sent: the update is never lost.
                [reply] = telegram.messages.values()
                assert "Καλώς ήρθατε!" in reply.text
            async with session.post(
                base + "/telegram/webhook", json=update, headers=right
            ) as response:
                assert response.status == 200
            assert len(telegram.messages) == 1  # the same update_id, handled once
            async with session.post(
                base + "/telegram/webhook", data="not json", headers=right
            ) as response:
                assert response.status == 400
        assert await count_rows(database, conversations) == 1
    finally:
        assert "Traceback" not in await stop(bot)


@pytest.mark.parametrize(
    ("secret", "said"),
    [
        ("", "WEBHOOK_SECRET is not set: the webhook refuses to start without a secret."),
        (
            "x",
            "WEBHOOK_SECRET is too short: at least 32 characters (e.g. openssl rand -hex 32).",
        ),
        (
            "ü" * 40,
            "WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (Telegram's rule).",
        ),
    ],
)
def test_the_webhook_refuses_to_start_without_a_strong_secret(
    tmp_path: Path, secret: str, said: str
):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "web"],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "BOT_TOKEN": "123:abc",
            "WEBHOOK_SECRET": secret,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == said


async def test_an_update_delivered_again_while_in_hand_is_asked_for_later_then_handled_once(
    telegram, tmp_path: Path
):
    """Telegram delivers an update again when the first delivery got no answer in time (the
    reply is waiting out a 429 here). While the first is in hand, the repeat gets 503 — not a
    200 that would drop it had the first instance died — and once handled, a 200 and nothing
    sent twice."""
    database = migrated_database(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bot = start_bot(
        "web", telegram, database, HOST="127.0.0.1", PORT=str(port), WEBHOOK_SECRET=SECRET
    )
    try:
        await wait_until_up(base + "/health")
        telegram.answer_with_retry_after["sendMessage"] = 2  # the reply waits about 2 s
        update = {"update_id": 9101, **telegram.text_update(6101, "/start")}
        right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with aiohttp.ClientSession() as session:
            first = asyncio.create_task(
                session.post(base + "/telegram/webhook", json=update, headers=right)
            )
            await telegram.wait_for_call("sendMessage")  # the first is in hand
            async with session.post(
                base + "/telegram/webhook", json=update, headers=right
            ) as again:
                assert again.status == 503
                assert again.headers["Retry-After"] == "5"
            async with await first as answered:
                assert answered.status == 200
            async with session.post(
                base + "/telegram/webhook", json=update, headers=right
            ) as later:
                assert later.status == 200
        assert len(telegram.sent_to(6101)) == 1
    finally:
        assert "Traceback" not in await stop(bot)
