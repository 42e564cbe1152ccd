"""The outbox on SQLite and PostgreSQL: notifications written with the change that caused them,
delivered once each by one or several workers, retried, parked, and never lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.errors import SlotTaken
from domain.notifications import Kind
from domain.use_cases import book, cancel, reschedule
from integrations.db.outbox import OutboxRow, SqlOutbox
from integrations.db.storage import SqlStorage
from integrations.db.tables import outbox
from integrations.delivery import DeliveryFailed
from integrations.outbox.worker import OneByOne, OutboxWorker, Report, RetryPolicy
from tests.factories import athens
from tests.integration.test_bookings import CHANIA, NOW, THURSDAY, citizen, request

NEXT_THURSDAY = date(2026, 12, 10)


async def rows(storage: SqlStorage) -> list[tuple[str, str, str]]:
    """(kind, status, detail) of every outbox row, oldest first."""
    async with storage.engine.connect() as connection:
        result = await connection.execute(
            select(outbox.c.kind, outbox.c.status, outbox.c.detail).order_by(outbox.c.id)
        )
        return [(r.kind, r.status, r.detail) for r in result]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Recorder:
    """Delivers by writing down what it was given; fails the first `failures` tries of a kind.
    With a `gate`, each delivery starts (`started` is set) and then waits for the gate to open,
    so that a test can act while a delivery is in hand."""

    def __init__(
        self,
        stopping: asyncio.Event,
        failures: int = 0,
        at_once: int = 8,
        gate: asyncio.Event | None = None,
    ) -> None:
        self.delivered: list[str] = []
        self.failures = failures
        self.started = asyncio.Event()
        self.changed = asyncio.Condition()
        self._gate = gate
        self._one_by_one = OneByOne(self._deliver_one, stopping, at_once=at_once)

    async def deliver(self, rows: Sequence[OutboxRow], report: Report) -> None:
        await self._one_by_one.deliver(rows, report)

    async def _deliver_one(self, row: OutboxRow) -> None:
        self.started.set()
        if self._gate is not None:
            await self._gate.wait()
        await asyncio.sleep(0)  # a delivery lets the other tasks run, as real I/O does
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryFailed("the peer is down")
        self.delivered.append(row.key)
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, delivered: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: len(self.delivered) >= delivered)


def worker(
    storage: SqlStorage, clock: Clock, recorders: Mapping[Kind, Recorder], **options: Any
) -> OutboxWorker:
    return OutboxWorker(SqlOutbox(storage.engine), recorders, clock=clock, **options)


def recorders_for_all(stopping: asyncio.Event) -> dict[Kind, Recorder]:
    return {kind: Recorder(stopping) for kind in Kind}


async def test_a_video_call_booking_writes_its_notifications_with_it(storage: SqlStorage):
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    assert await rows(storage) == [
        ("meeting", "pending", ""),
        ("citizen_email", "pending", ""),
        ("third_person_email", "pending", ""),
        ("staff_ping", "pending", ""),
        ("staff_calendar", "pending", ""),
        ("chat_reminder", "pending", "1440"),
        ("email_reminder", "pending", "1440"),
        ("chat_reminder", "pending", "120"),
        ("email_reminder", "pending", "120"),
    ]


async def test_a_refused_booking_writes_no_notification(storage: SqlStorage):
    await book(request(citizen(1), "10:00"), storage, CHANIA, NOW)
    before = await rows(storage)
    with pytest.raises(SlotTaken):
        await book(request(citizen(2), "10:00"), storage, CHANIA, NOW)
    assert await rows(storage) == before


async def test_a_reminder_already_due_is_not_planned(storage: SqlStorage):
    late_evening = athens(date(2026, 12, 2), "20:00")  # the day-before reminder is past
    await book(request(citizen(), "10:00"), storage, CHANIA, late_evening)
    reminders = [r for r in await rows(storage) if "reminder" in r[0]]
    assert reminders == [("chat_reminder", "pending", "120"), ("email_reminder", "pending", "120")]


async def test_moving_a_booking_replaces_its_reminders(storage: SqlStorage):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    await reschedule(
        citizen(), booking.reference, athens(NEXT_THURSDAY, "10:30"), None, storage, CHANIA, NOW
    )
    statuses = Counter((kind, status) for kind, status, _ in await rows(storage))
    assert statuses[("chat_reminder", "dropped")] == 2
    assert statuses[("chat_reminder", "pending")] == 2
    assert statuses[("citizen_email", "pending")] == 2  # booked, then moved
    assert statuses[("meeting", "pending")] == 2


async def test_cancelling_drops_the_reminders_and_tells_everyone(storage: SqlStorage):
    booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    await cancel(citizen(), booking.reference, storage, NOW)
    statuses = Counter((kind, status) for kind, status, _ in await rows(storage))
    assert statuses[("chat_reminder", "pending")] == 0
    assert statuses[("email_reminder", "dropped")] == 2
    assert statuses[("citizen_email", "pending")] == 2
    assert statuses[("third_person_email", "pending")] == 2
    assert statuses[("staff_ping", "pending")] == 2
    assert statuses[("staff_calendar", "pending")] == 2


async def test_the_worker_delivers_what_is_due_and_keeps_reminders_for_later(
    storage: SqlStorage,
):
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    stopping = asyncio.Event()
    recorders = recorders_for_all(stopping)
    clock = Clock(NOW)
    the_worker = worker(storage, clock, recorders)
    # The meeting comes first: the e-mails show its link.
    assert await the_worker.run_once() == 2  # the meeting and the staff ping
    # the two e-mails and the staff member's calendar entry
    assert await the_worker.run_once() == 3
    assert await the_worker.run_once() == 0
    assert len(recorders[Kind.CITIZEN_EMAIL].delivered) == 1
    assert recorders[Kind.CHAT_REMINDER].delivered == []
    clock.now = athens(date(2026, 12, 2), "10:00")  # the day before
    assert await the_worker.run_once() == 2
    assert [k.rsplit("-", 1)[1] for k in recorders[Kind.CHAT_REMINDER].delivered] == ["1440"]
    statuses = Counter(status for _, status, _ in await rows(storage))
    assert statuses == {"done": 7, "pending": 2}


async def test_a_failing_delivery_is_retried_later_then_delivered(storage: SqlStorage):
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    stopping = asyncio.Event()
    recorders = recorders_for_all(stopping)
    recorders[Kind.STAFF_PING] = Recorder(stopping, failures=2)
    clock = Clock(NOW)
    policy = RetryPolicy(first_delay=timedelta(seconds=30), max_attempts=5)
    the_worker = worker(storage, clock, recorders, retry=policy)
    await the_worker.run_once()
    assert recorders[Kind.STAFF_PING].delivered == []
    await the_worker.run_once()
    assert recorders[Kind.STAFF_PING].delivered == []  # waits for its backoff
    clock.now += timedelta(seconds=34)
    await the_worker.run_once()  # second try fails too; the next waits about a minute
    clock.now += timedelta(seconds=34)
    await the_worker.run_once()
    assert recorders[Kind.STAFF_PING].delivered == []
    clock.now += timedelta(seconds=34)
    await the_worker.run_once()
    assert len(recorders[Kind.STAFF_PING].delivered) == 1


async def test_after_the_last_attempt_a_notification_is_parked_and_staff_are_told(
    storage: SqlStorage,
):
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    stopping = asyncio.Event()
    recorders = recorders_for_all(stopping)
    recorders[Kind.CITIZEN_EMAIL] = Recorder(stopping, failures=100)
    clock = Clock(NOW)
    policy = RetryPolicy(first_delay=timedelta(seconds=1), max_attempts=3)
    the_worker = worker(storage, clock, recorders, retry=policy)
    for _ in range(6):
        await the_worker.run_once()
        clock.now += timedelta(seconds=10)
    kinds = {kind: status for kind, status, _ in await rows(storage) if "reminder" not in kind}
    assert kinds["citizen_email"] == "parked"
    assert kinds["staff_alert"] == "done"
    (alert,) = recorders[Kind.STAFF_ALERT].delivered
    assert "citizen_email" in alert


async def test_rows_claimed_by_a_worker_that_died_return_after_the_lease(storage: SqlStorage):
    await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
    the_outbox = SqlOutbox(storage.engine)
    claimed = await the_outbox.claim(NOW, 50, timedelta(minutes=5), list(Kind))  # then died
    assert len(claimed) == 2
    stopping = asyncio.Event()
    recorders = recorders_for_all(stopping)
    clock = Clock(NOW + timedelta(minutes=1))
    the_worker = worker(storage, clock, recorders)
    assert await the_worker.run_once() == 0  # still leased
    clock.now = NOW + timedelta(minutes=6)
    assert await the_worker.run_once() == 2
    assert len(recorders[Kind.MEETING].delivered) == 1


async def test_a_stopping_worker_gives_back_what_it_has_not_started(storage: SqlStorage):
    for number, clock in enumerate(("09:00", "09:30", "10:00", "10:30", "11:30")):
        await book(request(citizen(number), clock, staff_id=None), storage, CHANIA, NOW)
    stopping = asyncio.Event()
    recorders = {kind: Recorder(stopping) for kind in Kind}
    ping_gate = asyncio.Event()
    recorders[Kind.STAFF_PING] = Recorder(stopping, at_once=1, gate=ping_gate)
    the_worker = worker(storage, Clock(NOW), recorders)
    round_in_hand = asyncio.create_task(the_worker.run_once())
    await recorders[Kind.MEETING].wait_for(5)
    await recorders[Kind.STAFF_PING].started.wait()  # one ping in hand, four waiting
    stopping.set()
    ping_gate.set()
    await round_in_hand
    delivered = sum(len(r.delivered) for r in recorders.values())
    pending = [r for r in await rows(storage) if r[1] == "pending" and "reminder" not in r[0]]
    assert delivered == 6  # the five meetings, and the one staff ping in hand
    assert len(pending) == 25 - delivered  # 5 bookings x (meeting, 2 e-mails, ping, calendar)
    fresh = worker(storage, Clock(NOW), recorders_for_all(asyncio.Event()))
    assert await fresh.run_once() > 0  # given back, not leased


async def test_several_workers_at_once_deliver_every_notification_once(storage: SqlStorage):
    starts = [athens(THURSDAY, f"{h:02d}:{m:02d}") for h in (9, 10, 12, 13) for m in (0, 30)]
    for number, start in enumerate(starts):
        for staff_id in ("anna", "babis", "chrysa"):
            who = citizen(number * 10 + len(staff_id))
            clock = start.astimezone(CHANIA.time_zone).strftime("%H:%M")
            await book(request(who, clock, staff_id=staff_id), storage, CHANIA, NOW)
    stopping = asyncio.Event()
    shared = Recorder(stopping)
    workers = [
        worker(storage, Clock(NOW), dict.fromkeys(Kind, shared), batch_size=5) for _ in range(4)
    ]

    async def drain(one: OutboxWorker) -> None:
        for _ in range(100):
            await one.run_once()

    await asyncio.gather(*(drain(w) for w in workers))
    due_now = 24 * 5  # 24 bookings x (meeting, 2 e-mails, staff ping, staff calendar)
    assert len(shared.delivered) == due_now
    assert len(set(shared.delivered)) == due_now
