"""What an operator's monitoring reads from the running processes: /ready says whether the
process can work (the database answers with an up-to-date schema), /metrics gives Prometheus
the updates handled, the outbox's backlog and parked rows, and the failures of the SMTP server;
the worker and the polling bot serve them on METRICS_PORT. `outbox list|retry` shows what was
given up on and sends it again once the cause is mended."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from integrations.settings import PROJECT_DIR
from tests.e2e.telegram_citizen import (
    TelegramCitizen,
    free_port,
    migrated_database,
    start_bot,
    stop,
)
from tests.e2e.test_command_line import run_bot
from tests.e2e.test_personal_data import THIRD_EMAIL, book, mail_settings
from tests.e2e.test_telegram_webhook import SECRET, wait_until_up
from tests.fake_telegram import FakeTelegram
from tests.smtp_server import SmtpServer

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def bot_command(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot …` while this event loop keeps serving the local servers."""
    return await asyncio.to_thread(run_bot, *args, **env)


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def samples(url: str) -> Samples:
    status, text = await get(url)
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(figures: Samples, name: str, **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


async def until(url: str, check: Callable[[Samples], bool], seconds: float = 30) -> Samples:
    """Scrapes until `check(samples)` holds: the figures a monitor would eventually see."""
    async with asyncio.timeout(seconds):
        while True:
            figures = await samples(url)
            if check(figures):
                return figures
            await asyncio.sleep(0.2)


async def test_ready_only_once_migrated_and_metrics_count_the_updates(
    telegram: FakeTelegram, tmp_path: Path
):
    database = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start_bot(
        "web", telegram, database, HOST="127.0.0.1", PORT=str(port), WEBHOOK_SECRET=SECRET
    )
    try:
        await wait_until_up(base + "/health")
        status, body = await get(base + "/ready")
        assert status == 503
        assert "python -m bot migrate" in body

        migrate = await bot_command("migrate", DATABASE_URL=database)
        assert "database up to date" in migrate.stdout
        assert (await get(base + "/ready"))[0] == 200

        update = {"update_id": 4242, **telegram.text_update(6002, "/start")}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                base + "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as response,
        ):
            assert response.status == 200
        figures = await samples(base + "/metrics")
        assert value(figures, "rantevou_updates_total", channel="telegram", outcome="ok") == 1
        assert value(figures, "rantevou_update_seconds_count", channel="telegram") == 1
        assert value(figures, "rantevou_outbox_oldest_due_seconds") == 0
    finally:
        assert "Traceback" not in await stop(web)


def objects_after_importing_the_channels() -> int:
    """What a fresh interpreter tracks once it has imported what `web` needs (aiogram too)."""
    count = "import gc, bot.__main__, bot.channels; gc.collect(); print(len(gc.get_objects()))"
    done = subprocess.run(
        [sys.executable, "-c", count], capture_output=True, text=True, check=True, cwd=PROJECT_DIR
    )
    return int(done.stdout)


async def test_the_web_process_keeps_its_start_up_objects_out_of_the_collectors_way(
    telegram: FakeTelegram, tmp_path: Path
):
    """A full collection scans every object the collector tracks: with aiogram's left in its
    sight, each one paused every citizen in hand for 0.1-0.2 s under load."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start_bot(
        "web",
        telegram,
        migrated_database(tmp_path),
        HOST="127.0.0.1",
        PORT=str(port),
        WEBHOOK_SECRET=SECRET,
    )
    try:
        await wait_until_up(base + "/health")
        frozen = value(await samples(base + "/metrics"), "rantevou_gc_frozen_objects")
        assert frozen >= 0.9 * await asyncio.to_thread(objects_after_importing_the_channels)
        assert "# TYPE rantevou_gc_pause_seconds histogram" in (await get(base + "/metrics"))[1]
    finally:
        assert "Traceback" not in await stop(web)


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


async def test_the_worker_reports_deliveries_parked_rows_and_smtp_refusals(
    telegram: FakeTelegram, smtp: SmtpServer, tmp_path: Path
):
    smtp.mailbox.refuse.add(THIRD_EMAIL)  # the third person's invitation cannot be delivered
    database = migrated_database(tmp_path)
    port = free_port()
    metrics = f"http://127.0.0.1:{port}/metrics"
    bot = start_bot(
        "run",
        telegram,
        database,
        HOST="127.0.0.1",
        METRICS_PORT=str(port),
        **mail_settings(smtp, tmp_path),
    )
    try:
        await telegram.wait_for_call("getUpdates", seconds=30)
        assert (await get(f"http://127.0.0.1:{port}/ready"))[0] == 200
        await book(TelegramCitizen(telegram, 777000222))

        def settled(figures: Samples) -> bool:
            return (
                value(figures, "rantevou_outbox_parked", kind="third_person_email") == 1
                and value(
                    figures,
                    "rantevou_outbox_deliveries_total",
                    kind="citizen_email",
                    outcome="done",
                )
                == 1
            )

        figures = await until(metrics, settled)
        assert value(figures, "rantevou_outside_failures_total", service="smtp", retried="no") == 1
        assert (
            value(
                figures,
                "rantevou_outbox_deliveries_total",
                kind="third_person_email",
                outcome="parked",
            )
            == 1
        )
        assert value(figures, "rantevou_updates_total", channel="telegram", outcome="ok") >= 10
        assert value(figures, "rantevou_updates_total", channel="telegram", outcome="error") == 0
        assert value(figures, "rantevou_outbox_pending", kind="email_reminder") >= 1

        listed = await bot_command("outbox", "list", DATABASE_URL=database)
        assert listed.returncode == 0, listed.stderr
        [row] = [
            line.split() for line in listed.stdout.splitlines() if "third_person_email" in line
        ]
        assert "recipient refused (1)" in listed.stdout
        assert THIRD_EMAIL not in listed.stdout  # the operator's list names no one
        unknown = await bot_command("outbox", "retry", "999999", DATABASE_URL=database)
        assert unknown.returncode == 1
        assert "not parked (no such id, or already sent): 999999" in unknown.stderr

        smtp.mailbox.refuse.clear()  # the cause is mended
        retried = await bot_command("outbox", "retry", row[0], DATABASE_URL=database)
        assert retried.returncode == 0, retried.stderr
        assert f"sent again: 1 ({row[0]})" in retried.stdout
        await until(
            metrics,
            lambda f: (
                value(
                    f, "rantevou_outbox_deliveries_total", kind="third_person_email", outcome="done"
                )
                == 1
            ),
        )
        assert len(smtp.mailbox.to(THIRD_EMAIL)) == 1
        again = await bot_command("outbox", "list", DATABASE_URL=database)
        assert again.stdout.strip() == "no parked notifications"
    finally:
        assert "Traceback" not in await stop(bot)
