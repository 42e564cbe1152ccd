"""What the desk sends on its own, on working days: the morning list (each staff member's day,
privately; the managers get the office's) and, after the day, one nudge to each staff member
who left appointments without an attendance.

Each is claimed in the database before it goes, so with several workers it goes once; a worker
that starts late the same day still sends it, a day missed is not sent the next day.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup

from bot.telegram.desk import Desk, send_view
from bot.telegram.desk_views import PAGE_SIZE, View, appointment_blocks
from domain.availability import local_day_bounds
from domain.model import Municipality, StaffMember
from locales.texts import Texts

log = logging.getLogger(__name__)

MORNING, NUDGE = "morning", "nudge"
CHECK_EVERY = timedelta(seconds=30)
DESK_LANGUAGE = "el"


class DeskSchedule:
    def __init__(self, desk: Desk, bot: Bot, every: timedelta = CHECK_EVERY) -> None:
        self._desk = desk
        self._bot = bot
        self._every = every
        self._texts = Texts(DESK_LANGUAGE)
        self._settled: set[tuple[str, date, str]] = set()
        """(kind, day, staff id) this worker has claimed or found claimed."""

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await self.tick()
            except Exception:  # the database or Telegram went away: try at the next round
                log.exception("staff desk: a scheduled round failed")
            try:
                async with asyncio.timeout(self._every.total_seconds()):
                    await stopping.wait()
            except TimeoutError:
                pass

    async def tick(self) -> None:
        now = self._desk.clock()
        for office in self._desk.configuration.municipalities:
            local = now.astimezone(office.time_zone)
            today = local.date()
            weekday = today.weekday()
            if office.is_closed_on(today) or not any(m.weekly_hours[weekday] for m in office.staff):
                continue
            wall = local.time()
            morning, nudge = office.desk.morning_list_at, office.desk.unmarked_nudge_at
            morning_due = (
                morning is not None and morning <= wall and (nudge is None or wall < nudge)
            )
            nudge_due = nudge is not None and nudge <= wall
            for member in office.staff:
                if member.telegram_user_id is None:
                    continue
                if not member.is_manager and not member.weekly_hours[weekday]:
                    continue
                if morning_due:
                    await self._morning(office, member, today, now)
                if nudge_due:
                    await self._nudge(office, member, today, now)

    async def _claim(self, kind: str, today: date, member: StaffMember, now: datetime) -> bool:
        """Whether this worker is to send it. Asked of the database once a day per message:
        whatever the answer, this worker does not ask again (another worker sent it, or this
        one did)."""
        key = (kind, today, member.id)
        if key in self._settled:
            return False
        if self._settled and next(iter(self._settled))[1] != today:
            self._settled.clear()  # a new day
        self._settled.add(key)
        return await self._desk.store.claim_send(kind, today, member.id, now)

    async def _morning(
        self, office: Municipality, member: StaffMember, today: date, now: datetime
    ) -> None:
        if not await self._claim(MORNING, today, member, now):
            return
        assert member.telegram_user_id is not None
        views = await self._desk.agenda_views(
            self._texts, office, member, today, private=True, office_wide=member.is_manager
        )
        await self._send(member, [View(self._texts("desk.morning")), *views])

    async def _nudge(
        self, office: Municipality, member: StaffMember, today: date, now: datetime
    ) -> None:
        if (NUDGE, today, member.id) in self._settled:
            return
        start, end = local_day_bounds(office, today)
        theirs = await self._desk.store.appointments([member.id], start, min(end, now))
        unmarked = [b for b in theirs if b.attendance is None and b.ends_at <= now]
        if not unmarked or not await self._claim(NUDGE, today, member, now):
            return
        texts = self._texts
        blocks, rows = appointment_blocks(texts, office, unmarked[:PAGE_SIZE], private=True)
        blocks.insert(0, texts("desk.nudge", count=len(unmarked)))
        if len(unmarked) > PAGE_SIZE:
            blocks.append(texts("desk.nudge.more", count=len(unmarked) - PAGE_SIZE))
        await self._send(
            member, [View("\n\n".join(blocks), InlineKeyboardMarkup(inline_keyboard=rows))]
        )

    async def _send(self, member: StaffMember, views: list[View]) -> None:
        assert member.telegram_user_id is not None
        try:
            for view in views:
                await send_view(self._bot, member.telegram_user_id, view)
        except TelegramAPIError as error:
            log.warning(
                "staff desk: could not write to staff member %s (%s); have they started a "
                "private chat with the bot?",
                member.id,
                type(error).__name__,
            )
