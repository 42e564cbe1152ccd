"""The outbox's Telegram deliverers: pings and alerts to the staff group, reminders to citizens.

Telegram lets a bot send a group about 20 messages a minute. Pings that come faster are not
dropped and do not wait in line one by one: they stay in the outbox, and the next message to the
group gathers all that are due.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError, TelegramNetworkError

from bot.telegram.render import keyboard
from dialogs.screens import Choice, Screen
from domain.model import ChannelIdentity, Configuration
from domain.notifications import MOVED_FROM, Change, Kind
from domain.ports import Storage
from integrations.db.outbox import OutboxRow
from integrations.delivery import DeliveryFailed, Undeliverable
from integrations.outbox.booking_data import BookingData, load_booking
from integrations.outbox.emails import ManageUrl
from integrations.outbox.worker import DONE, Clock, Drop, Failed, Later, Outcome, Report
from integrations.pace import Pace
from locales.texts import Texts

log = logging.getLogger(__name__)

GROUP_RATE = 20 / 60
"""Messages a second to one group (Telegram: about 20 a minute)."""
MESSAGE_LIMIT = 4096
STAFF_LANGUAGE = "el"
TELEGRAM = "telegram"


class StaffGroup:
    """Delivers staff pings and alerts, gathered into as few messages as the group's pace
    needs."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        storage: Storage,
        configuration: Configuration,
        pace: Pace,
        clock: Clock,
    ) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._storage = storage
        self._configuration = configuration
        self._pace = pace
        self._clock = clock
        self._texts = Texts(STAFF_LANGUAGE)

    async def deliver(self, rows: Sequence[OutboxRow], report: Report) -> None:
        outcomes = await self._deliver(rows)
        for row in rows:
            await report(row, outcomes[row.id])

    async def _deliver(self, rows: Sequence[OutboxRow]) -> dict[int, Outcome]:
        wait_s = await self._pace.try_now(f"group:{self._chat_id}", GROUP_RATE, 1)
        if wait_s > 0:
            return dict.fromkeys((r.id for r in rows), Later(self._later(wait_s)))
        parts: list[str] = []
        taken: list[OutboxRow] = []
        outcomes: dict[int, Outcome] = {}
        for row in rows:
            text = await self._text(row)
            if text is None:
                outcomes[row.id] = Drop()
            elif len("\n\n".join([*parts, text])) <= MESSAGE_LIMIT:
                parts.append(text)
                taken.append(row)
            else:
                outcomes[row.id] = Later(self._later(1 / GROUP_RATE))
        if not taken:
            return outcomes
        try:
            await self._bot.send_message(self._chat_id, "\n\n".join(parts))
        except (TelegramAPIError, TelegramNetworkError) as error:
            failed = Failed(f"Telegram: {type(error).__name__}")
            return outcomes | dict.fromkeys((r.id for r in taken), failed)
        return outcomes | dict.fromkeys((r.id for r in taken), DONE)

    def _later(self, seconds: float) -> datetime:
        return self._clock() + timedelta(seconds=seconds)

    async def _text(self, row: OutboxRow) -> str | None:
        data = await load_booking(self._storage, self._configuration, row)
        if row.kind is Kind.STAFF_ALERT:  # detail: "kind:attempts:error"
            kind, attempts, reason = [*row.detail.split(":", 2), "", ""][:3]
            reference = data.booking.reference if data else "-"
            what = self._texts(f"staff.alert.{kind}")
            text = self._texts("staff.alert", attempts=attempts, what=what, reference=reference)
            if reason:
                text += "\n" + self._texts("staff.alert.reason", reason=reason)
            return text
        if data is None or row.change is None:
            return None
        return self._ping(data, row.change.value, _moved_from(row.detail))

    def _ping(self, data: BookingData, change: str, moved_from: datetime | None = None) -> str:
        texts, booking, municipality = self._texts, data.booking, data.municipality
        service = municipality.service(booking.service_id)
        staff = municipality.staff_member(booking.staff_id)
        zone = municipality.time_zone
        lines = [
            texts(f"staff.ping.{change}", reference=booking.reference),
            texts("summary.service", value=service.name.el if service else booking.service_id),
            texts("summary.mode", value=texts(f"mode.{booking.mode.value}")),
            texts("summary.when", value=texts.when(booking.starts_at, zone, zone)),
        ]
        if moved_from is not None:  # from what to what
            lines[-1] = texts(
                "staff.ping.moved",
                before=texts.when(moved_from, zone, zone),
                after=texts.when(booking.starts_at, zone, zone),
            )
        lines += [
            texts("summary.staff", value=staff.name if staff else booking.staff_id),
            texts("summary.name", value=booking.contact.full_name),
            texts("summary.subject", value=booking.subject),
        ]
        if booking.application_number:
            lines.append(texts("summary.appno", value=booking.application_number))
        if booking.third_person and booking.third_person.full_name:
            lines.append(texts("summary.third", value=booking.third_person.full_name))
        if change == Change.CANCELLED.value and booking.cancelled_by_office:
            who = municipality.staff_member(booking.cancelled_by or "")
            lines.append(
                texts(
                    "staff.ping.cancelled_by_office",
                    name=who.name if who else booking.cancelled_by,
                    reason=texts.cancel_reason(booking.cancel_reason) or "-",
                )
            )
        return "\n".join(lines)


def _moved_from(detail: str) -> datetime | None:
    if not detail.startswith(MOVED_FROM) or not detail.removeprefix(MOVED_FROM).isdigit():
        return None
    return datetime.fromtimestamp(int(detail.removeprefix(MOVED_FROM)), UTC)


class TelegramChat:
    """Sends chat reminders to Telegram citizens."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def __call__(
        self, user_id: str, text: str, language: str, button: Choice | None = None
    ) -> Outcome:
        markup = keyboard(Screen(text, ((button,),))) if button else None
        try:
            await self._bot.send_message(int(user_id), text, reply_markup=markup)
        except TelegramForbiddenError:
            return Drop()  # the citizen blocked the bot; the e-mail reminder still goes
        except TelegramNetworkError as error:
            raise DeliveryFailed(f"Telegram: {type(error).__name__}") from None
        except TelegramAPIError as error:
            raise Undeliverable(f"Telegram: {type(error).__name__}") from None
        return DONE


def telegram_manage_url(bot: Bot) -> ManageUrl:
    """The deep link that opens one booking in the bot: t.me/<bot>?start=m_<token>."""

    async def manage_url(identity: ChannelIdentity, token: str) -> str | None:
        if identity.channel != TELEGRAM:
            return None
        me = await bot.me()
        return f"https://t.me/{me.username}?start=m_{token}"

    return manage_url
