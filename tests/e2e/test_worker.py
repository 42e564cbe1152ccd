"""`python -m bot worker` as a process, sending through a real SMTP server: killed in the middle
of a batch, then started again, it loses no e-mail and sends none twice; SIGTERM stops it
cleanly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from domain.availability import Slot, SlotQuery
from domain.model import ChannelIdentity, ContactDetails, Mode
from domain.notifications import Kind
from domain.use_cases import BookingRequest, book, find_available_days, find_available_times
from integrations.configuration import load_configuration
from integrations.db.engine import create_engine
from integrations.db.migrate import upgrade
from integrations.db.storage import SqlStorage
from integrations.db.tables import outbox
from integrations.settings import DEFAULT_BOOKING_CONFIG
from tests.e2e.telegram_citizen import start_bot, stop
from tests.fake_telegram import FakeTelegram
from tests.smtp_server import PASSWORD, USERNAME, SmtpServer

BOOKINGS = 8
EMAILS = 2 * BOOKINGS
"""Each booking: the citizen's confirmation and the staff member's calendar entry."""


async def book_in_person(database: str, count: int) -> None:
    engine = create_engine(database)
    await upgrade(engine)
    storage = SqlStorage(engine)
    chania = load_configuration(DEFAULT_BOOKING_CONFIG).municipalities[0]
    now = datetime.now(UTC)
    query = SlotQuery("permits", Mode.IN_PERSON)
    days = await find_available_days(
        storage, chania, query, now.date(), now.date().replace(year=now.year + 1), now
    )
    slots: list[Slot] = []  # times that do not overlap, whoever is on duty
    for day in days:
        for slot in await find_available_times(storage, chania, query, day, now):
            if not slots or slot.start >= slots[-1].end:
                slots.append(slot)
        if len(slots) >= count:
            break
    for number, slot in enumerate(slots[:count]):
        request = BookingRequest(
            citizen=ChannelIdentity("telegram", str(5000 + number)),
            service_id="permits",
            mode=Mode.IN_PERSON,
            starts_at=slot.start,
            staff_id=None,
            contact=ContactDetails(
                f"Πολίτης {number}", f"citizen{number}@example.com", "+306912345678"
            ),
            subject="Έλεγχος φακέλου",
            consent_version="test",
        )
        await book(request, storage, chania, now)
    await engine.dispose()


async def wait_until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not come true in time")
        await asyncio.sleep(0.1)


EMAIL_KINDS = (Kind.CITIZEN_EMAIL.value, Kind.STAFF_CALENDAR.value)


async def wait_until_recorded(
    database: str, sent: Callable[[], int] | None = None, seconds: float = 30
) -> None:
    """Until the worker has recorded as sent every e-mail the mail server took (`sent`), or,
    without it, until no e-mail of the outbox is left pending (reminders wait for their day)."""
    engine = create_engine(database)
    done = select(func.count()).where(outbox.c.status == "done", outbox.c.kind.in_(EMAIL_KINDS))
    pending = select(func.count()).where(
        outbox.c.status == "pending", outbox.c.kind.in_(EMAIL_KINDS)
    )
    try:
        async with asyncio.timeout(seconds):
            while True:
                async with engine.connect() as connection:
                    if sent is not None:
                        if (await connection.execute(done)).scalar() == sent():
                            return
                    elif not (await connection.execute(pending)).scalar():
                        return
                await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


async def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, telegram: FakeTelegram
):
    database = f"sqlite+aiosqlite:///{tmp_path / 'rantevou.sqlite3'}"
    await book_in_person(database, BOOKINGS)
    smtp = SmtpServer()
    smtp.mailbox.stall_after = 3
    smtp.start()
    authority = tmp_path / "test-authority.pem"
    smtp.write_authority(str(authority))
    environment = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_USERNAME": USERNAME,
        "SMTP_PASSWORD": PASSWORD,
        "MAIL_FROM": "Δήμος Χανίων <rantevou@chania.example>",
        "SSL_CERT_FILE": str(authority),
        "OUTBOX_LEASE_SECONDS": "2",
    }
    try:
        first = start_bot("worker", telegram, database, **environment)
        # Stalled; every session past the stall point has delivered its message, and the worker
        # has recorded each message the server took (a kill before that would send it again).
        await wait_until(lambda: smtp.mailbox.stalled > 0 and not smtp.mailbox.accepting, 30)
        await wait_until_recorded(database, lambda: len(smtp.mailbox.messages))
        await stop(first, kill=True)
        sent_before_the_kill = len(smtp.mailbox.messages)
        assert 3 <= sent_before_the_kill < EMAILS
        smtp.mailbox.stall_after = None
        smtp.mailbox.resume.set()
        second = start_bot("worker", telegram, database, **environment)
        await wait_until(lambda: len(smtp.mailbox.messages) >= EMAILS, 30)
        # Once every e-mail is recorded as sent, nothing can send one again: a duplicate would
        # have come before.
        await wait_until_recorded(database)
        errors = await stop(second)
        assert second.returncode == 0
        assert "Traceback" not in errors
    finally:
        smtp.stop()
    message_ids = [m["Message-ID"] for m in smtp.mailbox.messages]
    assert len(message_ids) == EMAILS
    assert len(set(message_ids)) == EMAILS
    recipients = [m["To"].addresses[0].addr_spec for m in smtp.mailbox.messages]
    citizens = {r for r in recipients if r.startswith("citizen")}
    assert len(citizens) == BOOKINGS
    staff_entries = [m for m in smtp.mailbox.messages if "citizen" not in str(m["To"])]
    assert len(staff_entries) == BOOKINGS
