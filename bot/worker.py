"""The outbox worker of a bot process: the e-mail and meeting deliverers of `integrations`, plus
the chat channels' (Telegram's staff group and chat reminders, Viber's chat reminders) for the
channels that have a token."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from aiogram import Bot

from bot.app import App
from bot.telegram.desk import Desk
from bot.telegram.desk_schedule import DeskSchedule
from bot.telegram.notices import StaffGroup, TelegramChat, telegram_manage_url
from bot.viber.notices import ViberChat, viber_manage_url
from domain.model import ChannelIdentity
from domain.notifications import Kind
from integrations.db.outbox import OutboxRow
from integrations.outbox.chat_reminders import ChatNotices, ChatReminders, ChatSender
from integrations.outbox.emails import ManageUrl
from integrations.outbox.wiring import build_worker
from integrations.outbox.worker import (
    Clock,
    Deliverer,
    Drop,
    OneByOne,
    OutboxWorker,
    Report,
    WorkerTuning,
)
from integrations.viber.client import ViberClient

log = logging.getLogger(__name__)


class NoStaffGroup:
    """STAFF_CHAT_ID is not set: staff pings have nowhere to go."""

    async def deliver(self, rows: Sequence[OutboxRow], report: Report) -> None:
        for row in rows:
            await report(row, Drop())


def manage_url_of_channels(urls: Sequence[ManageUrl]) -> ManageUrl:
    """The manage link of the citizen's channel: the first that has one."""

    async def manage_url(identity: ChannelIdentity, token: str) -> str | None:
        for url in urls:
            link = await url(identity, token)
            if link:
                return link
        return None

    return manage_url


def build_outbox_worker(
    app: App,
    bot: Bot | None,
    viber: ViberClient | None = None,
    clock: Clock = lambda: datetime.now(UTC),
    tuning: WorkerTuning | None = None,
) -> OutboxWorker:
    """`tuning`: the defaults, with the lease of OUTBOX_LEASE_SECONDS."""
    settings = app.settings
    stopping = asyncio.Event()
    meetings = app.repositories.video_meetings
    staff_group: Deliverer = NoStaffGroup()
    chats: dict[str, ChatSender] = {}
    manage_urls: list[ManageUrl] = []
    if settings.staff_chat_id is None:
        log.warning("STAFF_CHAT_ID is not set: no pings to the staff group")
    if bot is not None:
        manage_urls.append(telegram_manage_url(bot))
        chats["telegram"] = TelegramChat(bot)
        if settings.staff_chat_id is not None:
            staff_group = StaffGroup(
                bot, settings.staff_chat_id, app.storage, app.configuration, app.pace, clock
            )
    if viber is not None:
        manage_urls.append(viber_manage_url(viber))
        chats["viber"] = ViberChat(viber, app.repositories.viber_subscribers, clock)
    extra: dict[Kind, Deliverer] = {Kind.STAFF_PING: staff_group, Kind.STAFF_ALERT: staff_group}
    if chats:  # without a chat channel, chat reminders wait for a worker that has one
        reminders = ChatReminders(app.storage, app.configuration, meetings.join_url, clock, chats)
        extra[Kind.CHAT_REMINDER] = OneByOne(reminders, stopping, at_once=30)
        notices = ChatNotices(app.storage, app.configuration, chats)
        extra[Kind.CHAT_NOTICE] = OneByOne(notices, stopping, at_once=30)
    background = []
    if bot is not None:
        background.append(DeskSchedule(Desk.of(app, clock), bot).run)
    return build_worker(
        settings,
        app.configuration,
        app.storage,
        manage_url=manage_url_of_channels(manage_urls),
        extra=extra,
        stopping=stopping,
        repositories=app.repositories,
        clock=clock,
        background=background,
        tuning=tuning or WorkerTuning(lease=timedelta(seconds=settings.outbox_lease_s)),
    )


async def run_worker(app: App, bot: Bot | None, viber: ViberClient | None = None) -> None:
    """Until SIGTERM or SIGINT; the notifications in hand are finished first."""
    worker = build_outbox_worker(app, bot, viber)
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, worker.stopping.set)
    await worker.run()
