"""Builds the outbox worker from the settings: which kinds it can deliver, and how."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.model import Configuration
from domain.notifications import Kind
from integrations.db.outbox import OutboxRow, SqlOutbox
from integrations.db.repositories import Repositories
from integrations.db.retention import SqlPurge
from integrations.db.staff_busy import SqlStaffBusy
from integrations.db.staff_calendar import SqlStaffCalendar
from integrations.db.storage import SqlStorage
from integrations.email.compose import Sender
from integrations.email.smtp import SmtpSender, SmtpSettings
from integrations.graph.client import GraphClient
from integrations.graph.free_busy import OutlookFreeBusy
from integrations.meetings.jitsi import JitsiMeetings
from integrations.meetings.provider import MeetingProvider
from integrations.meetings.teams import TeamsMeetings
from integrations.outbox.emails import BookingEmails, ManageUrl
from integrations.outbox.free_busy_refresh import FreeBusyRefresh
from integrations.outbox.meeting_sync import MeetingSync
from integrations.outbox.purge_schedule import PurgeSchedule
from integrations.outbox.staff_calendar import StaffCalendarSync, StaffMail
from integrations.outbox.worker import (
    Clock,
    Deliverer,
    OneByOne,
    OutboxWorker,
    Outcome,
    WorkerTuning,
)
from integrations.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_TUNING = WorkerTuning()
DeliverOne = Callable[[OutboxRow], Awaitable[Outcome | None]]
Job = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""A background job of the worker: runs until the event is set."""


async def no_manage_link(*_: object) -> None:
    return None


def build_worker(
    settings: Settings,
    configuration: Configuration,
    storage: SqlStorage,
    *,
    meeting_provider: MeetingProvider | None = None,
    manage_url: ManageUrl = no_manage_link,
    extra: dict[Kind, Deliverer] | None = None,
    stopping: asyncio.Event | None = None,
    repositories: Repositories | None = None,
    smtp_tls_context: ssl.SSLContext | None = None,
    clock: Clock = lambda: datetime.now(UTC),
    background: Sequence[Job] = (),
    tuning: WorkerTuning = DEFAULT_TUNING,
) -> OutboxWorker:
    """`extra`: deliverers that need a chat channel (staff pings, chat reminders)."""
    engine = storage.engine
    stopping = stopping or asyncio.Event()
    repositories = repositories or Repositories.on(engine)
    meetings = repositories.video_meetings

    def one_by_one(deliver: DeliverOne, at_once: int = 4) -> Deliverer:
        return OneByOne(deliver, stopping, at_once=at_once, clock=clock)

    provider = meeting_provider or _meeting_provider(settings)
    deliverers: dict[Kind, Deliverer] = {
        Kind.MEETING: one_by_one(MeetingSync(storage, configuration, provider, meetings, clock))
    }
    mail: StaffMail | None = None
    if settings.smtp_host:
        mail = StaffMail(
            SmtpSender(_smtp_settings(settings, smtp_tls_context)),
            Sender.parse(settings.mail_from, configuration.municipalities[0].name.el),
        )
        emails = BookingEmails(
            storage,
            configuration,
            mail.smtp,
            mail.sender,
            repositories.manage_tokens,
            meetings.join_url,
            manage_url,
            clock,
        )
        deliverers[Kind.CITIZEN_EMAIL] = one_by_one(emails.to_citizen)
        deliverers[Kind.THIRD_PERSON_EMAIL] = one_by_one(emails.to_third_person)
        deliverers[Kind.EMAIL_REMINDER] = one_by_one(emails.reminder)
    else:
        log.warning("SMTP_HOST is not set: e-mails wait in the outbox until it is")
    outlook = provider.events if isinstance(provider, TeamsMeetings) else None
    if mail is not None or outlook is not None:
        deliverers[Kind.STAFF_CALENDAR] = one_by_one(
            StaffCalendarSync(
                storage,
                configuration,
                SqlStaffCalendar(engine),
                meetings.join_url,
                clock,
                outlook=outlook,
                mail=mail,
            )
        )
    deliverers.update(extra or {})
    background = [*background, PurgeSchedule(SqlPurge(engine, configuration), clock).run]
    if isinstance(provider, TeamsMeetings):
        refresh = FreeBusyRefresh(
            configuration,
            OutlookFreeBusy(provider.graph),
            SqlStaffBusy(engine),
            clock,
            timedelta(seconds=settings.freebusy_refresh_s),
        )
        background.append(refresh.run)
    return OutboxWorker(
        SqlOutbox(engine),
        deliverers,
        stopping=stopping,
        clock=clock,
        on_stop=[provider.close] if provider else [],
        background=background,
        retry=tuning.retry,
        lease=tuning.lease,
        batch_size=tuning.batch_size,
        idle_wait_s=tuning.idle_wait_s,
    )


def _meeting_provider(settings: Settings) -> MeetingProvider | None:
    if settings.meeting_provider == "jitsi":
        return JitsiMeetings(settings.jitsi_base_url)
    if settings.meeting_provider == "teams":
        return TeamsMeetings(
            GraphClient(
                tenant_id=settings.graph_tenant_id,
                client_id=settings.graph_client_id,
                client_secret=settings.graph_client_secret,
                authority_url=settings.graph_authority_url,
                graph_url=settings.graph_api_url,
            )
        )
    return None


def _smtp_settings(settings: Settings, tls_context: ssl.SSLContext | None) -> SmtpSettings:
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        mail_from=settings.mail_from,
        tls_context=tls_context,
    )
