"""Teams meetings through the real msal and aiohttp clients against a local HTTPS stand-in for
Microsoft's sign-in and Graph: the meeting is the staff member's, its lobby admits only them,
it follows the booking, and the citizen's e-mail waits for its link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.model import Configuration
from domain.use_cases import book, cancel, reschedule
from integrations.db.storage import SqlStorage
from integrations.db.tables import outbox
from integrations.meetings.teams import TeamsMeetings
from integrations.outbox.wiring import build_worker
from integrations.outbox.worker import OutboxWorker, RetryPolicy
from tests.factories import athens, staff
from tests.fake_microsoft import CLIENT_ID, CLIENT_SECRET, TENANT, FakeMicrosoft
from tests.integration.test_bookings import NOW, THURSDAY, citizen, request
from tests.integration.test_emails import (
    CHANIA,
    CITIZEN_ADDRESS,
    drain,
    plain,
    settings,
    telegram_link,
)
from tests.integration.test_outbox import Clock
from tests.smtp_server import SmtpServer

TEAMS_CHANIA = replace(
    CHANIA,
    staff=(
        replace(staff("anna"), teams_user_id="anna@chania.example"),
        replace(staff("babis"), teams_user_id="babis@chania.example"),
    ),
)


@pytest.fixture
async def microsoft() -> AsyncIterator[FakeMicrosoft]:
    server = FakeMicrosoft()
    await server.start()
    yield server
    await server.stop()


def teams_client(
    microsoft: FakeMicrosoft, folder: Path, secret: str = CLIENT_SECRET
) -> TeamsMeetings:
    return TeamsMeetings(
        tenant_id=TENANT,
        client_id=CLIENT_ID,
        client_secret=secret,
        authority_url=microsoft.base_url,
        graph_url=microsoft.graph_url,
        http_client=microsoft.requests_session(str(folder)),
        ssl_context=microsoft.client_context(),
    )


@pytest.fixture
def teams(microsoft: FakeMicrosoft, tmp_path: Path) -> TeamsMeetings:
    return teams_client(microsoft, tmp_path)


def worker(
    storage: SqlStorage, smtp: SmtpServer, teams: TeamsMeetings, clock: Clock
) -> OutboxWorker:
    return build_worker(
        settings(smtp),
        Configuration((TEAMS_CHANIA,)),
        storage,
        meeting_provider=teams,
        manage_url=telegram_link,
        smtp_tls_context=smtp.client_context(),
        clock=clock,
        retry=RetryPolicy(first_delay=timedelta(seconds=10), max_attempts=3),
    )


async def test_a_video_call_gets_the_staff_members_meeting_with_a_lobby(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    booking = await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    await drain(worker(storage, smtp, teams, Clock(NOW)))
    await teams.close()
    (call,) = microsoft.calls
    assert (call.method, call.path) == ("POST", "/v1.0/users/anna@chania.example/onlineMeetings")
    assert call.body == {
        "startDateTime": athens(THURSDAY, "10:00").isoformat(),
        "endDateTime": athens(THURSDAY, "10:20").isoformat(),
        "subject": f"{booking.reference} – Δήμος Χανίων",
        "lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": False},
    }
    (message,) = smtp.mailbox.to(CITIZEN_ADDRESS)
    assert "Συμμετοχή στη συνάντηση: https://teams.microsoft.com/l/meetup-join/meeting-1" in (
        plain(message)
    )


async def test_the_meeting_moves_with_the_booking_and_goes_when_it_is_cancelled(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    booking = await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    the_worker = worker(storage, smtp, teams, Clock(NOW))
    await drain(the_worker)
    await reschedule(
        citizen(), booking.reference, athens(THURSDAY, "12:00"), "anna", storage, TEAMS_CHANIA, NOW
    )
    await drain(the_worker)
    await cancel(citizen(), booking.reference, storage, NOW)
    await drain(the_worker)
    await teams.close()
    assert [(c.method, c.path) for c in microsoft.calls] == [
        ("POST", "/v1.0/users/anna@chania.example/onlineMeetings"),
        ("PATCH", "/v1.0/users/anna@chania.example/onlineMeetings/meeting-1"),
        ("DELETE", "/v1.0/users/anna@chania.example/onlineMeetings/meeting-1"),
    ]
    assert microsoft.calls[1].body is not None
    assert microsoft.calls[1].body["startDateTime"] == athens(THURSDAY, "12:00").isoformat()
    assert microsoft.meetings == {}
    assert microsoft.token_requests == 1  # msal keeps the token


async def test_a_booking_moved_to_another_staff_member_gets_their_meeting(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    booking = await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    the_worker = worker(storage, smtp, teams, Clock(NOW))
    await drain(the_worker)
    await reschedule(
        citizen(), booking.reference, athens(THURSDAY, "10:00"), "babis", storage, TEAMS_CHANIA, NOW
    )
    await drain(the_worker)
    await teams.close()
    assert [(c.method, c.path.split("/")[3]) for c in microsoft.calls] == [
        ("POST", "anna@chania.example"),
        ("DELETE", "anna@chania.example"),
        ("POST", "babis@chania.example"),
    ]
    moved = smtp.mailbox.to(CITIZEN_ADDRESS)[-1]
    assert "meetup-join/meeting-2" in plain(moved)


async def test_while_graph_fails_the_email_waits_for_the_link_then_both_go_once(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    microsoft.fail_next = 1
    await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    clock = Clock(NOW)
    the_worker = worker(storage, smtp, teams, clock)
    await drain(the_worker)
    assert smtp.mailbox.to(CITIZEN_ADDRESS) == []  # no e-mail without its link
    clock.now += timedelta(seconds=12)
    await drain(the_worker)
    await drain(the_worker)
    await teams.close()
    assert [c.method for c in microsoft.calls] == ["POST", "POST"]
    assert len(microsoft.meetings) == 1
    (message,) = smtp.mailbox.to(CITIZEN_ADDRESS)
    assert "meetup-join/meeting-1" in plain(message)


async def test_a_refused_sign_in_is_retried_and_never_stored_with_the_secret(
    storage: SqlStorage,
    smtp: SmtpServer,
    microsoft: FakeMicrosoft,
    tmp_path: Path,
):
    wrong = teams_client(microsoft, tmp_path, secret="not-the-secret")
    await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    await drain(worker(storage, smtp, wrong, Clock(NOW)))
    await wrong.close()
    async with storage.engine.connect() as connection:
        status, error = (
            await connection.execute(
                select(outbox.c.status, outbox.c.last_error).where(outbox.c.kind == "meeting")
            )
        ).one()
    assert status == "pending"
    assert error == "Microsoft sign-in refused: invalid_client"
    assert microsoft.calls == []


async def test_a_staff_member_without_a_teams_account_is_reported_to_staff(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    no_teams = replace(TEAMS_CHANIA, staff=(staff("anna"),))
    await book(request(citizen(), "10:00", staff_id="anna"), storage, no_teams, NOW)
    the_worker = build_worker(
        settings(smtp),
        Configuration((no_teams,)),
        storage,
        meeting_provider=teams,
        smtp_tls_context=smtp.client_context(),
        clock=Clock(NOW),
    )
    await drain(the_worker)
    await teams.close()
    async with storage.engine.connect() as connection:
        statuses = dict((await connection.execute(select(outbox.c.kind, outbox.c.status))).all())
    assert statuses["meeting"] == "parked"
    assert statuses["staff_alert"] == "pending"
    assert statuses["citizen_email"] == "done"  # it goes, telling the office sends the link
    assert "Ο σύνδεσμος της τηλεδιάσκεψης θα σας σταλεί" in plain(
        smtp.mailbox.to(CITIZEN_ADDRESS)[0]
    )
