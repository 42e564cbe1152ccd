"""The staff desk's storage and its own messages, on SQLite and PostgreSQL, with the real aiogram
Bot talking to the local Bot API server and the clock set by the test: the morning list comes
at its time on working days, once; the nudge lists what was left unmarked, once; desk time off
counts for availability beside Outlook's busy times; a cancellation for a citizen writes what
the citizen must be told."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import insert, select

from bot.telegram.desk import Desk
from bot.telegram.desk_schedule import DeskSchedule
from domain.availability import SlotQuery
from domain.model import Attendance, Configuration, DeskRules, Mode, Role
from domain.notifications import Kind
from domain.use_cases import book, find_available_times
from integrations.db.staff_desk import SqlStaffDesk
from integrations.db.storage import SqlStorage
from integrations.db.tables import outbox, staff_busy
from tests.factories import athens, municipality, staff
from tests.fake_telegram import FakeTelegram
from tests.integration.test_bookings import citizen, request

WEDNESDAY = date(2026, 12, 2)
THURSDAY = date(2026, 12, 3)
SATURDAY = date(2026, 12, 5)
BOOKED_AT = athens(date(2026, 12, 1), "09:00")
ANNA, BABIS, HEAD = 501, 502, 503

CHANIA = replace(
    municipality(
        replace(staff("anna"), telegram_user_id=ANNA),
        replace(staff("babis"), telegram_user_id=BABIS),
        replace(staff("head", services=("planning",)), telegram_user_id=HEAD, role=Role.MANAGER),
    ),
    desk=DeskRules(morning_list_at=time(7, 45), unmarked_nudge_at=time(15, 0)),
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))
    the_bot = Bot(telegram.token, session=session)
    yield the_bot
    await session.close()


def schedule(storage: SqlStorage, bot: Bot, clock: Clock) -> DeskSchedule:
    desk = Desk(Configuration((CHANIA,)), SqlStaffDesk(storage), None, clock)
    return DeskSchedule(desk, bot)


async def test_the_morning_list_comes_at_its_time_on_working_days_once(
    storage: SqlStorage, bot: Bot, telegram: FakeTelegram
):
    await book(request(citizen(1), "10:00", "anna", THURSDAY), storage, CHANIA, BOOKED_AT)
    await book(request(citizen(2), "12:00", "babis", THURSDAY), storage, CHANIA, BOOKED_AT)
    clock = Clock(athens(THURSDAY, "07:44"))
    desk = schedule(storage, bot, clock)
    await desk.tick()
    assert telegram.messages == {}  # not yet

    clock.now = athens(THURSDAY, "07:45")
    await desk.tick()
    await desk.tick()  # a second round, or a second worker: nothing twice
    anna = [m.text for m in telegram.sent_to(ANNA)]
    assert len(anna) == 2  # the greeting and her day
    assert "Καλημέρα" in anna[0]
    assert "10:00" in anna[1]
    assert "maria@example.com" in anna[1]  # privately, with the contact details
    assert "12:00" not in anna[1]  # Babis's is not hers
    head = [m.text for m in telegram.sent_to(HEAD)]
    assert any("Anna" in t and "10:00" in t for t in head)  # the manager: the office's
    assert any("Babis" in t and "12:00" in t for t in head)

    sent = len(telegram.messages)
    clock.now = athens(SATURDAY, "08:00")
    await desk.tick()
    assert len(telegram.messages) == sent  # not on a day off


async def test_the_nudge_lists_the_unmarked_appointments_once(
    storage: SqlStorage, bot: Bot, telegram: FakeTelegram
):
    first = await book(request(citizen(1), "09:00", "anna", THURSDAY), storage, CHANIA, BOOKED_AT)
    await book(request(citizen(2), "10:00", "anna", THURSDAY), storage, CHANIA, BOOKED_AT)
    clock = Clock(athens(THURSDAY, "09:30"))
    store = SqlStaffDesk(storage)
    await store.record_attendance(first.id, Attendance.ATTENDED, "anna", clock.now)
    clock.now = athens(THURSDAY, "15:00")
    desk = schedule(storage, bot, clock)
    await desk.tick()
    await desk.tick()
    (nudge,) = telegram.sent_to(ANNA)
    assert "χωρίς σημείωση προσέλευσης: 1" in nudge.text
    assert "10:00" in nudge.text
    assert "09:00" not in nudge.text  # already marked
    assert any(b["callback_data"].startswith("sd:a:") for row in nudge.keyboard for b in row)
    assert telegram.sent_to(BABIS) == []  # nothing left unmarked: no nudge


async def test_desk_time_off_counts_beside_outlooks_busy_times(storage: SqlStorage):
    store = SqlStaffDesk(storage)
    now = athens(WEDNESDAY, "09:00")
    query = SlotQuery("permits", Mode.IN_PERSON, "anna")
    async with storage.engine.begin() as connection:  # an Outlook meeting overlapping it
        await connection.execute(
            insert(staff_busy).values(
                staff_id="anna",
                starts_at=athens(THURSDAY, "09:30"),
                ends_at=athens(THURSDAY, "10:30"),
            )
        )
    await store.add_time_off(
        "anna", athens(THURSDAY, "10:00"), athens(THURSDAY, "12:00"), "Σεμινάριο", "anna", now
    )
    free = [s.start for s in await find_available_times(storage, CHANIA, query, THURSDAY, now)]
    shown = [f"{t.astimezone(CHANIA.time_zone):%H:%M}" for t in free]
    assert shown[:4] == ["08:30", "08:45", "09:00", "12:00"]  # 09:10 to 12:00 taken
    (entry,) = await store.time_off(["anna"], now)
    await store.remove_time_off(entry.id, "anna", now)
    free = [s.start for s in await find_available_times(storage, CHANIA, query, THURSDAY, now)]
    assert athens(THURSDAY, "11:30") in free  # offered again


async def test_cancelling_for_a_citizen_tells_them_and_is_audited(storage: SqlStorage):
    booking = await book(request(citizen(1), "10:00", "anna", THURSDAY), storage, CHANIA, BOOKED_AT)
    store = SqlStaffDesk(storage)
    now = athens(WEDNESDAY, "09:00")
    cancelled = await store.cancel_for_citizen(booking.id, "head", "Η υπηρεσία κλείνει", now)
    assert cancelled.cancelled_by_office
    assert cancelled.cancel_reason == "Η υπηρεσία κλείνει"
    async with storage.engine.connect() as connection:
        kinds = {
            row.kind
            for row in await connection.execute(
                select(outbox.c.kind).where(
                    outbox.c.booking_id == booking.id, outbox.c.status == "pending"
                )
            )
        }
    assert {Kind.CHAT_NOTICE.value, Kind.CITIZEN_EMAIL.value, Kind.MEETING.value} <= kinds
    assert Kind.CHAT_REMINDER.value not in kinds  # the reminders are dropped
    (action,) = await store.last_actions(10)
    assert (action.staff_id, action.action, action.reference) == (
        "head",
        "cancel",
        booking.reference,
    )
    assert await store.claim_send("nudge", THURSDAY, "anna", now)
    assert not await store.claim_send("nudge", THURSDAY, "anna", now + timedelta(minutes=1))
