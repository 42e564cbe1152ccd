"""How fast the outbox worker empties a backlog of chat messages, within Telegram's limits.

1,000 chat reminders to 1,000 citizens and 100 staff pings wait in the outbox (SQLite). The
real worker (`bot.worker.build_outbox_worker`) delivers them through the real aiogram client
and its pace (28 messages a second overall, about one a second per chat, 20 a minute to the staff
group) to a local Bot API server that answers every 97th call with 429 and retry_after=1.

Measured: the time until the last reminder arrived, against 1000 / 28 s (the bot's pace);
messages lost or sent twice; the most messages the staff group got in any minute; and that
every staff ping was delivered.

Run: .venv/bin/python -m bench.outbox
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.app import App
from bot.telegram.delivery import OVERALL_PER_SECOND
from bot.telegram.runner import make_bot
from bot.worker import build_outbox_worker
from dialogs.engine import Dialog
from domain.model import ChannelIdentity, ContactDetails, Mode, NewBooking
from domain.notifications import Change, Kind, Notification
from integrations.configuration import load_configuration
from integrations.db.conversations import SqlConversationStore
from integrations.db.engine import create_engine
from integrations.db.migrate import upgrade
from integrations.db.storage import SqlStorage
from integrations.db.tables import outbox
from integrations.outbox.worker import WorkerTuning
from integrations.settings import DEFAULT_BOOKING_CONFIG, Settings
from tests.fake_telegram import FakeTelegram

MESSAGES = 1000
PINGS = 100
STAFF_CHAT = -100500
TELEGRAM_LIMIT_PER_S = OVERALL_PER_SECOND
FLOOD_EVERY = 97
FIRST_CHAT = 700_000


async def fill_outbox(storage: SqlStorage, now: datetime) -> None:
    """1,000 bookings of 1,000 citizens tomorrow, each with a reminder due now; pings for the
    first 100. Written straight to the tables: the bench measures delivery, not booking."""
    starts = now + timedelta(days=1)
    notifications: list[Notification] = []
    async with storage.writing() as uow:
        for number in range(MESSAGES):
            citizen = await uow.citizens.get_or_create(
                ChannelIdentity("telegram", str(FIRST_CHAT + number))
            )
            booking = await uow.bookings.add(
                NewBooking(
                    reference=f"XAN-B{number:04d}",
                    municipality_id="chania",
                    service_id="permits",
                    mode=Mode.IN_PERSON,
                    staff_id=f"bench-{number}",  # one each: no overlap to refuse
                    staff_chosen_by_citizen=False,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=20),
                    busy_until=starts + timedelta(minutes=20),
                    citizen_id=citizen.id,
                    contact=ContactDetails(f"Πολίτης {number}", "p@example.com", "+306900000000"),
                    subject="Έλεγχος φακέλου",
                    application_number=None,
                    third_person=None,
                    consent_version="bench",
                    consented_at=now,
                    created_at=now,
                )
            )
            key = f"booking-{booking.id}-0"
            notifications.append(
                Notification(
                    Kind.CHAT_REMINDER, f"{key}-reminder", now, booking.id, Change.BOOKED, 0
                )
            )
            if number < PINGS:
                notifications.append(
                    Notification(Kind.STAFF_PING, f"{key}-ping", now, booking.id, Change.BOOKED)
                )
        await uow.outbox.add(notifications)
        await uow.commit()


def most_in_a_minute(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    return max(
        (sum(1 for t in stamps[i:] if t - start < 60) for i, start in enumerate(stamps)),
        default=0,
    )


async def pending_pings(storage: SqlStorage) -> int:
    async with storage.engine.connect() as connection:
        return int(
            (
                await connection.execute(
                    select(func.count())
                    .select_from(outbox)
                    .where(outbox.c.kind == Kind.STAFF_PING.value, outbox.c.status == "pending")
                )
            ).scalar_one()
        )


async def until(done: Callable[[], Awaitable[bool]], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if await done() or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.05)


async def main() -> None:
    telegram = FakeTelegram()
    await telegram.start()
    telegram.retry_after_every = FLOOD_EVERY
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await upgrade(engine)
        storage = SqlStorage(engine)
        now = datetime.now(UTC)
        await fill_outbox(storage, now)
        configuration = load_configuration(DEFAULT_BOOKING_CONFIG)
        settings = Settings(
            database_url="",
            booking_config=DEFAULT_BOOKING_CONFIG,
            bot_token=telegram.token,
            telegram_api_url=telegram.base_url,
            staff_chat_id=STAFF_CHAT,
        )
        dialog = Dialog(configuration, storage, SqlConversationStore(engine))
        app = App(settings, configuration, engine, storage, dialog)
        bot = make_bot(app)
        worker = build_outbox_worker(app, bot, tuning=WorkerTuning(idle_wait_s=0.2))
        citizens = set(range(FIRST_CHAT, FIRST_CHAT + MESSAGES))
        started = time.monotonic()
        running = asyncio.create_task(worker.run())

        async def all_reminded() -> bool:
            return {chat for chat, _ in telegram.sent_at} >= citizens

        async def all_pinged() -> bool:
            return await pending_pings(storage) == 0

        await until(all_reminded)
        seconds = time.monotonic() - started
        await until(all_pinged)
        pings_seconds = time.monotonic() - started
        worker.stopping.set()
        await running
        await bot.session.close()
        await engine.dispose()
    await telegram.stop()
    per_chat = Counter(chat for chat, _ in telegram.sent_at)
    delivered = {chat for chat in per_chat if chat in citizens}
    twice = sum(1 for chat in delivered if per_chat[chat] > 1)
    group = [t for chat, t in telegram.sent_at if chat == STAFF_CHAT]
    group_text = " ".join(m.text for m in telegram.sent_to(STAFF_CHAT))
    pings_delivered = sum(1 for n in range(PINGS) if f"XAN-B{n:04d}" in group_text)
    floods = sum(1 for method, _ in telegram.calls[FLOOD_EVERY - 1 :: FLOOD_EVERY])
    limit_s = MESSAGES / TELEGRAM_LIMIT_PER_S
    print(
        f"{len(delivered)} of {MESSAGES} reminders in {seconds:.1f} s "
        f"(the pace alone: {limit_s:.1f} s); {twice} sent twice; "
        f"{floods} calls answered 429"
    )
    print(
        f"staff group: {pings_delivered} of {PINGS} pings in {len(group)} messages "
        f"by {pings_seconds:.1f} s; at most {most_in_a_minute(group)} messages in a minute"
    )
    print(
        f"messages={MESSAGES} lost={MESSAGES - len(delivered)} twice={twice} "
        f"seconds={seconds:.1f} ratio_to_limit={seconds / limit_s:.2f} "
        f"group_max_per_min={most_in_a_minute(group)} pings_lost={PINGS - pings_delivered}"
    )


if __name__ == "__main__":
    asyncio.run(main())
