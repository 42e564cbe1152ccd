"""A citizen on Telegram, as the local Bot API server sees them: they read the message on
screen and press its buttons by their labels, or type."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select

from integrations.db.engine import create_engine
from integrations.settings import PROJECT_DIR
from tests.fake_telegram import FakeTelegram, SentMessage


@dataclass
class TelegramCitizen:
    telegram: FakeTelegram
    user_id: int
    language: str = "el"
    screen: SentMessage | None = None
    presses: int = 0

    def buttons(self) -> list[dict[str, str]]:
        assert self.screen is not None
        return [button for row in self.screen.keyboard for button in row]

    def labels(self) -> list[str]:
        return [b["text"] for b in self.buttons()]

    @property
    def text(self) -> str:
        assert self.screen is not None
        return self.screen.text

    async def say(self, text: str) -> SentMessage:
        before = self.telegram.screen_changes.get(self.user_id, 0)
        self.telegram.push(self.telegram.text_update(self.user_id, text, self.language))
        self.screen = await self.telegram.wait_for_screen(self.user_id, before)
        return self.screen

    async def press(self, label: str) -> SentMessage:
        buttons = self.buttons()
        found = [b for b in buttons if b["text"] == label] or [
            b for b in buttons if label in b["text"]
        ]
        assert found, f"no button {label!r} in {self.labels()}"
        return await self.press_data(found[0]["callback_data"])

    async def press_data(self, data: str, on: SentMessage | None = None) -> SentMessage:
        message = on or self.screen
        assert message is not None
        self.presses += 1
        before = self.telegram.screen_changes.get(self.user_id, 0)
        self.telegram.push(self.telegram.press_update(self.user_id, message.message_id, data))
        self.screen = await self.telegram.wait_for_screen(self.user_id, before)
        return self.screen

    async def press_first(self, prefix: str) -> SentMessage:
        data = next(
            b["callback_data"] for b in self.buttons() if b["callback_data"].startswith(prefix)
        )
        return await self.press_data(data)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_bot(
    command: str, telegram: FakeTelegram, database: str, **env: str
) -> subprocess.Popen[str]:
    telegram_env = {
        "BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.base_url,
        # A scripted citizen taps faster than a person; test_pace keeps Telegram's own pace.
        "TELEGRAM_CHAT_MESSAGES_PER_SECOND": "20",
    }
    return start_process(command, database, **(telegram_env | env))


def start_process(command: str, database: str, **env: str) -> subprocess.Popen[str]:
    """`python -m bot <command>` on `database`, with `env` added to this environment."""
    environment = {**os.environ, "DATABASE_URL": database, **env}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", command],
        cwd=PROJECT_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_bot(process: subprocess.Popen[str], *, kill: bool = False) -> str:
    """Stops the bot and returns what it wrote on standard error."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    return stderr


async def stop(process: subprocess.Popen[str], *, kill: bool = False) -> str:
    """Stops the bot while this event loop keeps serving the local Bot API server."""
    return await asyncio.to_thread(stop_bot, process, kill=kill)


async def stop_when_done(process: subprocess.Popen[str], seconds: float = 60) -> str:
    """Waits for the bot to end by itself; returns its standard error."""
    _, stderr = await asyncio.to_thread(process.communicate, timeout=seconds)
    return stderr


def migrated_database(folder: Path) -> str:
    database = f"sqlite:///{folder / 'telegram.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": database},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return database


async def table_rows(database: str, table: Table) -> list[Any]:
    """Every row of `table` in the bot's SQLite database, read from the test's side."""
    engine = create_engine(database.replace("sqlite://", "sqlite+aiosqlite://"))
    async with engine.connect() as connection:
        result = (await connection.execute(select(table))).all()
    await engine.dispose()
    return list(result)


async def count_rows(database: str, table: Table) -> int:
    return len(await table_rows(database, table))
