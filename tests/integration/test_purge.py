"""The worker's purge on SQLite and PostgreSQL, with a fixed clock: what it erases, what it keeps,
that a future booking is untouched, and that two workers at once change nothing twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.model import (
    ChannelIdentity,
    Configuration,
    ContactDetails,
    Mode,
    NewBooking,
    PrivacyRules,
)
from domain.use_cases import cancel
from integrations.db.manage_tokens import SqlManageTokens
from integrations.db.retention import SqlPurge
from integrations.db.storage import SqlStorage
from integrations.db.tables import (
    bookings,
    citizens,
    conversations,
    manage_tokens,
    outbox,
    telegram_updates,
)
from tests.factories import athens, municipality, staff

NOW = athens(date(2026, 12, 1), "12:00")
KEEP = 10
CHANIA = replace(
    municipality(staff("anna"), staff("babis")),
    privacy=PrivacyRules(
        keep_appointments_days=KEEP,
        keep_idle_conversations_days=30,
        keep_delivered_notifications_days=30,
        keep_seen_updates_days=2,
    ),
)
PERSONAL = (
    "full_name",
    "email",
    "phone",
    "subject",
    "application_number",
    "third_person_name",
    "third_person_email",
    "citizen_id",
)


async def add_booking(
    storage: SqlStorage, who: int, starts_at: datetime, staff_id: str = "anna"
) -> int:
    async with storage.writing() as uow:
        owner = await uow.citizens.get_or_create(ChannelIdentity("telegram", str(who)))
        contact = ContactDetails(f"Πολίτης {who}", f"citizen{who}@example.com", f"+3069{who:08d}")
        booking = await uow.bookings.add(
            NewBooking(
                reference=f"XAN-{who:05d}",
                municipality_id=CHANIA.id,
                service_id="permits",
                mode=Mode.VIDEO_CALL,
                staff_id=staff_id,
                staff_chosen_by_citizen=False,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=20),
                busy_until=starts_at + timedelta(minutes=20),
                citizen_id=owner.id,
                contact=contact,
                subject=f"Θέμα του πολίτη {who}",
                application_number=f"{who}/2026",
                third_person=None,
                consent_version="el-0123456789abcdef",
                consented_at=starts_at - timedelta(days=3),
                created_at=starts_at - timedelta(days=3),
            )
        )
        await uow.citizens.save_contact(owner, contact)
        await uow.commit()
    return booking.id


async def rows(engine: AsyncEngine, table: Any, *where: Any) -> list[Any]:
    async with engine.connect() as connection:
        return list(await connection.execute(select(table).where(*where)))


def purge(storage: SqlStorage, batch: int = 500) -> SqlPurge:
    return SqlPurge(storage.engine, Configuration((CHANIA,)), batch=batch)


async def test_a_past_appointment_loses_its_personal_data_after_the_period_and_keeps_the_figures(
    storage: SqlStorage,
):
    engine = storage.engine
    past = await add_booking(storage, 1, athens(date(2026, 12, 3), "10:00"))
    recent = await add_booking(storage, 2, athens(date(2026, 12, 10), "10:00"))
    future = await add_booking(storage, 3, athens(date(2026, 12, 20), "10:00"))
    links = SqlManageTokens(engine)
    for booking_id in (past, recent, future):
        await links.issue(booking_id, NOW)
    clock = athens(date(2026, 12, 3), "10:20") + timedelta(days=KEEP, minutes=1)

    purged = await purge(storage).run(clock)

    assert purged.bookings_erased == 1
    (erased,) = await rows(engine, bookings, bookings.c.id == past)
    assert all(getattr(erased, column) in ("", None) for column in PERSONAL)
    assert erased.personal_data_removed_at == clock
    figures = (erased.service_id, erased.mode, erased.staff_id, erased.status)
    assert figures == ("permits", "video_call", "anna", "active")
    assert erased.starts_at == athens(date(2026, 12, 3), "10:00")
    assert erased.consent_version == "el-0123456789abcdef"
    (untouched,) = await rows(engine, bookings, bookings.c.id == future)
    assert untouched.full_name == "Πολίτης 3"
    assert untouched.email == "citizen3@example.com"
    assert untouched.personal_data_removed_at is None
    (ended_lately,) = await rows(engine, bookings, bookings.c.id == recent)
    assert ended_lately.full_name == "Πολίτης 2"  # within the period: kept
    remaining = {r.channel_user_id for r in await rows(engine, citizens)}
    assert remaining == {"2", "3"}  # citizen 1 had nothing left
    tokens = {r.booking_id for r in await rows(engine, manage_tokens)}
    assert tokens == {future}  # the links of appointments that are over no longer open
    assert purged.citizens_deleted == 1
    assert purged.manage_links_deleted == 1  # the erased booking's link went with its data

    again = await purge(storage).run(clock)
    assert (again.bookings_erased, again.citizens_deleted, again.manage_links_deleted) == (0, 0, 0)


async def test_a_reason_the_office_typed_goes_and_a_picked_one_stays(storage: SqlStorage):
    engine = storage.engine
    typed = await add_booking(storage, 1, athens(date(2026, 12, 3), "10:00"))
    picked = await add_booking(storage, 2, athens(date(2026, 12, 3), "11:00"))
    async with storage.writing() as uow:
        for booking_id, reason in ((typed, "Η κ. Πολίτης 1 τηλεφώνησε"), (picked, "illness")):
            booking = await uow.bookings.get(booking_id)
            assert booking is not None
            await uow.bookings.cancel(booking, NOW, "anna", reason)
        await uow.commit()
    await purge(storage).run(NOW + timedelta(days=KEEP + 3))
    reasons = {r.id: r.cancel_reason for r in await rows(engine, bookings)}
    assert reasons == {typed: None, picked: "illness"}


async def test_idle_conversations_delivered_notifications_and_old_update_ids_go(
    storage: SqlStorage,
):
    engine = storage.engine
    booking_id = await add_booking(storage, 1, athens(date(2026, 12, 20), "10:00"))
    old, fresh = NOW - timedelta(days=31), NOW - timedelta(days=1)
    async with engine.begin() as connection:
        await connection.execute(
            insert(conversations),
            [
                {
                    "channel": "telegram",
                    "user_id": "7",
                    "state": "{}",
                    "version": 1,
                    "updated_at": old,
                },
                {
                    "channel": "telegram",
                    "user_id": "8",
                    "state": "{}",
                    "version": 1,
                    "updated_at": fresh,
                },
            ],
        )
        common = {
            "kind": "citizen_email",
            "booking_id": booking_id,
            "sequence": 0,
            "detail": "",
            "due_at": old,
            "attempts": 1,
            "created_at": old,
        }
        await connection.execute(
            insert(outbox),
            [
                {**common, "key": "sent-long-ago", "status": "done", "finished_at": old},
                {**common, "key": "sent-yesterday", "status": "done", "finished_at": fresh},
                {**common, "key": "dropped-long-ago", "status": "dropped", "finished_at": old},
                {**common, "key": "still-to-go", "status": "pending", "finished_at": None},
            ],
        )
        await connection.execute(
            insert(telegram_updates),
            [
                {"update_id": 1, "received_at": NOW - timedelta(days=3), "handled": True},
                {"update_id": 2, "received_at": NOW - timedelta(hours=1), "handled": True},
            ],
        )

    purged = await purge(storage).run(NOW)

    assert {r.user_id for r in await rows(engine, conversations)} == {"8"}
    assert {r.key for r in await rows(engine, outbox)} == {"sent-yesterday", "still-to-go"}
    assert {r.update_id for r in await rows(engine, telegram_updates)} == {2}
    assert (purged.conversations_deleted, purged.notifications_deleted) == (1, 2)
    assert purged.seen_updates_deleted == 1
    (booking,) = await rows(engine, bookings)
    assert booking.full_name == "Πολίτης 1"  # a future booking is never touched


async def test_two_workers_purging_at_once_erase_each_booking_once(storage: SqlStorage):
    first_day = athens(date(2026, 12, 1), "09:00")
    ids = [
        await add_booking(storage, n, first_day + timedelta(days=n // 2, minutes=30 * (n % 2)))
        for n in range(1, 13)
    ]
    clock = first_day + timedelta(days=30)

    results = await asyncio.gather(
        purge(storage, batch=3).run(clock), purge(storage, batch=3).run(clock)
    )

    assert sum(r.bookings_erased for r in results) == len(ids)
    assert sum(r.citizens_deleted for r in results) == len(ids)
    left = await rows(storage.engine, bookings, bookings.c.personal_data_removed_at.is_(None))
    assert left == []
    assert await rows(storage.engine, citizens) == []


async def test_a_citizen_with_a_conversation_in_progress_is_kept(storage: SqlStorage):
    await add_booking(storage, 1, athens(date(2026, 12, 3), "10:00"))
    async with storage.engine.begin() as connection:
        await connection.execute(
            insert(conversations).values(
                channel="telegram", user_id="1", state="{}", version=1, updated_at=NOW
            )
        )
    await purge(storage).run(NOW + timedelta(days=KEEP + 3))
    (citizen,) = await rows(storage.engine, citizens)
    assert citizen.channel_user_id == "1"


async def test_a_cancelled_booking_of_a_forgotten_citizen_waits_for_its_e_mail(
    storage: SqlStorage,
):
    """After /forgetme the cancellation e-mail still has to reach the citizen: the booking
    keeps the address until it has gone, then the purge erases it."""
    booking_id = await add_booking(storage, 1, athens(date(2026, 12, 20), "10:00"))
    async with storage.writing() as uow:
        booking = await uow.bookings.get(booking_id)
        assert booking is not None
        erased_now = await uow.bookings.erase_personal_data([booking_id], NOW)
        await uow.commit()
    assert erased_now == 1  # nothing waited for it

    other = await add_booking(storage, 2, athens(date(2026, 12, 21), "10:00"))
    await cancel(ChannelIdentity("telegram", "2"), "XAN-00002", storage, NOW)
    async with storage.writing() as uow:
        assert await uow.bookings.erase_personal_data([other], NOW) == 0
        await uow.commit()
    (waiting,) = await rows(storage.engine, bookings, bookings.c.id == other)
    assert waiting.email == "citizen2@example.com"
    assert waiting.erase_requested_at == NOW

    assert (await purge(storage).run(NOW)).bookings_erased == 0  # its e-mail is pending
    async with storage.engine.begin() as connection:
        await connection.execute(
            outbox.update()
            .where(outbox.c.booking_id == other)
            .values(status="done", finished_at=NOW)
        )
    assert (await purge(storage).run(NOW)).bookings_erased == 1
    (erased,) = await rows(storage.engine, bookings, bookings.c.id == other)
    assert erased.email == ""
    assert erased.citizen_id is None
