"""The staff's Outlook free/busy, read from the local Microsoft stand-in through the real Graph
client into the database: a staff member's other meetings and absences take exactly those times
away from citizens; the office's own events do not block anything; when Graph is down, the last
intervals read stay in force."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from domain.availability import SlotQuery
from domain.model import Configuration, Mode
from domain.use_cases import book, find_available_times, reschedule
from integrations.db.staff_busy import SqlStaffBusy
from integrations.db.storage import SqlStorage
from integrations.graph.free_busy import OutlookFreeBusy
from integrations.meetings.teams import TeamsMeetings
from integrations.outbox.free_busy_refresh import FreeBusyRefresh
from tests.factories import athens
from tests.fake_microsoft import FakeMicrosoft, schedule_item
from tests.integration.test_bookings import NOW, THURSDAY, citizen, request
from tests.integration.test_emails import drain
from tests.integration.test_outbox import Clock
from tests.integration.test_teams import TEAMS_CHANIA, microsoft, teams, worker  # noqa: F401
from tests.smtp_server import SmtpServer

ANNA = "anna@chania.example"
ANNAS = SlotQuery("permits", Mode.VIDEO_CALL, "anna")


def refresh(storage: SqlStorage, teams: TeamsMeetings) -> FreeBusyRefresh:  # noqa: F811
    return FreeBusyRefresh(
        Configuration((TEAMS_CHANIA,)),
        OutlookFreeBusy(teams.graph),
        SqlStaffBusy(storage.engine),
        Clock(NOW),
        timedelta(minutes=5),
    )


async def starts(storage: SqlStorage) -> list[str]:
    slots = await find_available_times(storage, TEAMS_CHANIA, ANNAS, THURSDAY, NOW)
    return [s.start.astimezone(TEAMS_CHANIA.time_zone).strftime("%H:%M") for s in slots]


async def test_a_meeting_in_outlook_takes_exactly_its_times_away(
    storage: SqlStorage,
    microsoft: FakeMicrosoft,  # noqa: F811
    teams: TeamsMeetings,  # noqa: F811
):
    before = await starts(storage)
    microsoft.schedule_items[ANNA] = [
        schedule_item("busy", athens(THURSDAY, "10:00"), athens(THURSDAY, "11:00"), "Σύσκεψη"),
        schedule_item("oof", athens(THURSDAY, "13:30"), athens(THURSDAY, "14:30")),
        schedule_item("free", athens(THURSDAY, "09:00"), athens(THURSDAY, "09:30"), "Υπενθύμιση"),
        schedule_item("tentative", athens(THURSDAY, "12:00"), athens(THURSDAY, "12:30"), "Ίσως"),
    ]
    await refresh(storage, teams).refresh()
    await teams.close()
    after = await starts(storage)
    taken = {"09:45", "10:00", "10:15", "10:30", "13:15", "13:30", "13:45", "14:00"}
    assert taken <= set(before)
    assert after == [t for t in before if t not in taken]
    babis = SlotQuery("permits", Mode.VIDEO_CALL, "babis")  # another's calendar is not hers
    slots = await find_available_times(storage, TEAMS_CHANIA, babis, THURSDAY, NOW)
    assert athens(THURSDAY, "10:00") in {s.start for s in slots}


async def test_the_offices_own_event_does_not_block_its_booking_being_moved(
    storage: SqlStorage,
    smtp: SmtpServer,
    microsoft: FakeMicrosoft,  # noqa: F811
    teams: TeamsMeetings,  # noqa: F811
):
    booking = await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    await drain(worker(storage, smtp, teams, Clock(NOW)))
    assert len(microsoft.user_events(ANNA)) == 1  # 10:00-10:20 in her Outlook
    await refresh(storage, teams).refresh()
    moved = await reschedule(
        citizen(), booking.reference, athens(THURSDAY, "10:15"), "anna", storage, TEAMS_CHANIA, NOW
    )
    await teams.close()
    assert moved.starts_at == athens(THURSDAY, "10:15")


async def test_when_graph_is_down_the_last_busy_times_stay_and_the_log_says_how_old(
    storage: SqlStorage,
    microsoft: FakeMicrosoft,  # noqa: F811
    teams: TeamsMeetings,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
):
    microsoft.schedule_items[ANNA] = [
        schedule_item("busy", athens(THURSDAY, "10:00"), athens(THURSDAY, "11:00"), "Σύσκεψη")
    ]
    the_refresh = refresh(storage, teams)
    await the_refresh.refresh()
    microsoft.fail_next = 1
    the_refresh._clock = Clock(NOW + timedelta(minutes=20))
    with caplog.at_level(logging.WARNING):
        await the_refresh.refresh()
    await teams.close()
    assert "10:15" not in await starts(storage)
    assert "the busy times in force are 20 min old" in caplog.text


async def test_a_large_office_and_a_long_window_are_read_in_calls_graph_accepts(
    microsoft: FakeMicrosoft,  # noqa: F811
    teams: TeamsMeetings,  # noqa: F811
):
    users = [f"staff{n}@chania.example" for n in range(21)]
    late = datetime(2027, 2, 20, 9, tzinfo=UTC)  # 81 days on
    microsoft.schedule_items[users[20]] = [schedule_item("busy", late, late + timedelta(hours=1))]
    found = await OutlookFreeBusy(teams.graph).read(users, NOW, NOW + timedelta(days=100), "XAN")
    await teams.close()
    calls = [c for c in microsoft.calls if c.path.endswith("/getSchedule")]
    assert len(calls) == 4  # (20 + 1 people) x (60 + 40 days)
    assert found[users[20]] == [(late, late + timedelta(hours=1))]
    assert all(found[u] == [] for u in users[:20])
