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

from domain.model import Configuration, Mode
from domain.use_cases import book, cancel, reschedule
from integrations.db.storage import SqlStorage
from integrations.db.tables import outbox
from integrations.db.video_meetings import SqlVideoMeetings, StoredMeeting
from integrations.graph.client import GraphClient
from integrations.meetings.provider import Meeting
from integrations.meetings.teams import TeamsMeetings
from integrations.outbox.wiring import build_worker
from integrations.outbox.worker import OutboxWorker, RetryPolicy, WorkerTuning
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
        GraphClient(
            tenant_id=TENANT,
            client_id=CLIENT_ID,
            client_secret=secret,
            authority_url=microsoft.base_url,
            graph_url=microsoft.graph_url,
            http_client=microsoft.requests_session(str(folder)),
            ssl_context=microsoft.client_context(),
        )
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
        tuning=WorkerTuning(RetryPolicy(first_delay=timedelta(seconds=10), max_attempts=3)),
    )


def outbox_row(kind: str):
    return select(outbox.c.status, outbox.c.attempts, outbox.c.due_at, outbox.c.last_error).where(
        outbox.c.kind == kind
    )


async def test_a_video_call_becomes_an_event_in_the_staff_members_calendar_with_a_lobby(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    booking = await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    await drain(worker(storage, smtp, teams, Clock(NOW)))
    await teams.close()
    create, find, lobby = microsoft.calls
    assert (create.method, create.path) == ("POST", "/v1.0/users/anna@chania.example/events")
    assert create.body is not None
    # colleagues who share the calendar see the subject: no name there, only in the body
    assert create.body["subject"] == f"{booking.reference} – Υπηρεσία Δόμησης – Οικοδομικές Άδειες"
    assert create.body["start"] == {"dateTime": "2026-12-03T08:00:00", "timeZone": "UTC"}
    assert create.body["end"] == {"dateTime": "2026-12-03T08:20:00", "timeZone": "UTC"}
    assert create.body["isOnlineMeeting"] is True
    assert create.body["onlineMeetingProvider"] == "teamsForBusiness"
    assert "attendees" not in create.body  # the citizen gets our own e-mail, in their language
    body = create.body["body"]["content"]
    for detail in (
        "Μαρία Παπαδάκη",
        "maria@example.com",
        "+306912345678",
        "Ταυτότητα ή διαβατήριο",
    ):
        assert detail in body
    assert (find.method, find.path) == ("GET", "/v1.0/users/anna@chania.example/onlineMeetings")
    (meeting,) = microsoft.meetings.values()
    assert (lobby.method, lobby.path) == (
        "PATCH",
        f"/v1.0/users/anna@chania.example/onlineMeetings/{meeting['id']}",
    )
    assert meeting["lobbyBypassSettings"] == {"scope": "organizer", "isDialInBypassEnabled": False}
    (event,) = microsoft.user_events("anna@chania.example")
    join_url = event["onlineMeeting"]["joinUrl"]
    (message,) = smtp.mailbox.to(CITIZEN_ADDRESS)
    assert f"Συμμετοχή στη συνάντηση: {join_url}" in plain(message)
    assert smtp.mailbox.to("anna@example.com") == []  # the event is her calendar entry


async def test_the_event_moves_with_the_booking_and_is_cancelled_with_it(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    booking = await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    the_worker = worker(storage, smtp, teams, Clock(NOW))
    await drain(the_worker)
    await reschedule(
        citizen(), booking.reference, athens(THURSDAY, "12:00"), "anna", storage, TEAMS_CHANIA, NOW
    )
    await drain(the_worker)
    (event,) = microsoft.user_events("anna@chania.example")
    assert event["start"] == {"dateTime": "2026-12-03T10:00:00", "timeZone": "UTC"}
    await cancel(citizen(), booking.reference, storage, NOW)
    await drain(the_worker)
    await teams.close()
    assert [(c.method, c.path.rsplit("/", 2)[-2:]) for c in microsoft.calls[3:]] == [
        ("PATCH", ["events", event["id"]]),
        ("POST", [event["id"], "cancel"]),
    ]
    assert microsoft.user_events("anna@chania.example") == []
    assert booking.reference in microsoft.events[event["id"]]["cancelComment"]
    assert microsoft.token_requests == 1  # msal keeps the token


async def test_a_booking_moved_to_another_staff_member_leaves_one_calendar_for_the_other(
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
    assert microsoft.user_events("anna@chania.example") == []
    (event,) = microsoft.user_events("babis@chania.example")
    moved = smtp.mailbox.to(CITIZEN_ADDRESS)[-1]
    assert event["onlineMeeting"]["joinUrl"] in plain(moved)


async def test_an_in_person_booking_is_an_event_without_a_meeting(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    in_person = replace(request(citizen(), "10:00", staff_id="anna"), mode=Mode.IN_PERSON)
    booking = await book(in_person, storage, TEAMS_CHANIA, NOW)
    the_worker = worker(storage, smtp, teams, Clock(NOW))
    await drain(the_worker)
    (event,) = microsoft.user_events("anna@chania.example")
    assert "isOnlineMeeting" not in event
    assert "+306912345678" in event["body"]["content"]
    await reschedule(
        citizen(), booking.reference, athens(THURSDAY, "10:00"), "babis", storage, TEAMS_CHANIA, NOW
    )
    await drain(the_worker)
    await teams.close()
    assert microsoft.user_events("anna@chania.example") == []
    (moved,) = microsoft.user_events("babis@chania.example")
    assert moved["subject"].startswith(booking.reference)
    assert microsoft.meetings == {}
    assert smtp.mailbox.to("anna@example.com") == smtp.mailbox.to("babis@example.com") == []


async def test_a_meeting_from_before_events_is_still_moved_and_deleted(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    booking = await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    old_url = "https://teams.microsoft.com/l/meetup-join/old-1"
    microsoft.meetings["old-1"] = {"id": "old-1", "organizer": "anna@chania.example"}
    meeting = StoredMeeting(Meeting("old-1", old_url), "teams", "anna", 0, False)
    await SqlVideoMeetings(storage.engine).save(booking.id, meeting, NOW)
    the_worker = worker(storage, smtp, teams, Clock(NOW))
    await drain(the_worker)  # the meeting row finds its meeting there already
    await reschedule(
        citizen(), booking.reference, athens(THURSDAY, "12:00"), "anna", storage, TEAMS_CHANIA, NOW
    )
    await drain(the_worker)
    await cancel(citizen(), booking.reference, storage, NOW)
    await drain(the_worker)
    await teams.close()
    assert [(c.method, c.path) for c in microsoft.calls] == [
        ("PATCH", "/v1.0/users/anna@chania.example/onlineMeetings/old-1"),
        ("DELETE", "/v1.0/users/anna@chania.example/onlineMeetings/old-1"),
    ]
    assert microsoft.events == {}


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
    assert len(microsoft.events) == 1
    assert len(microsoft.meetings) == 1
    (message,) = smtp.mailbox.to(CITIZEN_ADDRESS)
    assert "meetup-join/meeting-" in plain(message)


async def test_a_create_whose_answer_was_lost_is_not_made_twice(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    """The event was made, then the lobby step failed: the retry sends the same transactionId
    and Graph hands back the same event."""
    await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    clock = Clock(NOW)
    the_worker = worker(storage, smtp, teams, clock)
    microsoft.fail_next_method["GET"] = 1  # finding the meeting, after the event was made
    await drain(the_worker)
    clock.now += timedelta(seconds=12)
    await drain(the_worker)
    await teams.close()
    assert [c.method for c in microsoft.calls].count("POST") == 2
    assert len(microsoft.events) == 1
    (meeting,) = microsoft.meetings.values()
    assert meeting["lobbyBypassSettings"]["scope"] == "organizer"


async def test_graph_asking_to_wait_is_waited_for_without_counting_an_attempt(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    microsoft.throttle_next, microsoft.retry_after_s = 1, 120
    await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    clock = Clock(NOW)
    the_worker = worker(storage, smtp, teams, clock)
    await drain(the_worker)
    async with storage.engine.connect() as connection:
        status, attempts, due_at, _ = (await connection.execute(outbox_row("meeting"))).one()
    assert (status, attempts) == ("pending", 0)
    assert due_at == NOW + timedelta(seconds=120)
    clock.now += timedelta(seconds=119)
    await drain(the_worker)
    assert microsoft.events == {}
    clock.now += timedelta(seconds=2)
    await drain(the_worker)
    await teams.close()
    assert len(microsoft.events) == 1
    assert len(smtp.mailbox.to(CITIZEN_ADDRESS)) == 1


async def test_a_mailbox_outside_the_access_policy_is_reported_with_the_reason(
    storage: SqlStorage, smtp: SmtpServer, microsoft: FakeMicrosoft, teams: TeamsMeetings
):
    microsoft.denied_users.add("anna@chania.example")
    await book(request(citizen(), "10:00", staff_id="anna"), storage, TEAMS_CHANIA, NOW)
    clock = Clock(NOW)
    the_worker = worker(storage, smtp, teams, clock)
    for _ in range(3):  # max_attempts
        await drain(the_worker)
        clock.now += timedelta(minutes=5)
    await teams.close()
    async with storage.engine.connect() as connection:
        status, _, _, error = (await connection.execute(outbox_row("meeting"))).one()
        (alert,) = (
            await connection.execute(select(outbox.c.detail).where(outbox.c.kind == "staff_alert"))
        ).scalars()
    assert status == "parked"
    assert "403" in error
    assert "access policy" in error
    assert alert.startswith("meeting:3:Graph POST answered 403")


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
    (entry,) = smtp.mailbox.to("anna@example.com")  # her calendar entry comes by e-mail
    assert "στείλτε στον πολίτη τον σύνδεσμο" in plain(entry)
