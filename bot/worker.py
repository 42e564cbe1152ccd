"""The outbox worker of a bot process: the e-mail and meeting deliverers of `integrations`, plus
Telegram's (staff group, chat reminders) when there is a bot token."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from redis.asyncio import Redis

from bot.app import App
from bot.telegram.notices import ChatReminders, StaffGroup, telegram_manage_url
from domain.notifications import Kind
from integrations.db.outbox import OutboxRow
from integrations.db.video_meetings import SqlVideoMeetings
from integrations.outbox.emails import ManageUrl
from integrations.outbox.wiring import build_worker, no_manage_link
from integrations.outbox.worker import Clock, Deliverer, Drop, OneByOne, OutboxWorker, Report
from integrations.pace import LocalPace, Pace, SharedPace

log = logging.getLogger(__name__)


class NoStaffGroup:
    """STAFF_CHAT_ID is not set: staff pings have nowhere to go."""

    async def deliver(self, rows: Sequence[OutboxRow], report: Report) -> None:
        for row in rows:
            await report(row, Drop())


def build_outbox_worker(
    app: App, bot: Bot | None, clock: Clock = lambda: datetime.now(UTC), **options: object
) -> OutboxWorker:
    settings = app.settings
    stopping = asyncio.Event()
    meetings = SqlVideoMeetings(app.engine)
    staff_group: Deliverer = NoStaffGroup()
    extra: dict[Kind, Deliverer] = {}
    manage_url: ManageUrl = no_manage_link
    if settings.staff_chat_id is None:
        log.warning("STAFF_CHAT_ID is not set: no pings to the staff group")
    if bot is not None:
        manage_url = telegram_manage_url(bot)
        if settings.staff_chat_id is not None:
            pace: Pace = (
                SharedPace(Redis.from_url(settings.redis_url))
                if settings.redis_url
                else LocalPace()
            )
            staff_group = StaffGroup(
                bot, settings.staff_chat_id, app.storage, app.configuration, pace, clock
            )
        reminders = ChatReminders(bot, app.storage, app.configuration, meetings.join_url, clock)
        extra[Kind.CHAT_REMINDER] = OneByOne(reminders, stopping, at_once=30)
    extra[Kind.STAFF_PING] = extra[Kind.STAFF_ALERT] = staff_group
    return build_worker(
        settings,
        app.configuration,
        app.storage,
        manage_url=manage_url,
        extra=extra,
        stopping=stopping,
        meetings=meetings,
        clock=clock,
        lease=timedelta(seconds=settings.outbox_lease_s),
        **options,  # type: ignore[arg-type]
    )


async def run_worker(app: App, bot: Bot | None) -> None:
    """Until SIGTERM or SIGINT; the notifications in hand are finished first."""
    worker = build_outbox_worker(app, bot)
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, worker.stopping.set)
    await worker.run()
