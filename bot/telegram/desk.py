"""The staff desk's shared parts: who is pressing (a staff member, in a private chat or the staff
group), what they may see, and the day's appointments as messages.

Who may use it is checked again at every command and every press: the presser's Telegram id
must be a staff member's in the configuration, and a booking must be theirs unless they are a
manager. In the staff group the desk never shows an e-mail address or a phone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Chat, InlineKeyboardMarkup, Message, User

from bot.app import App
from bot.telegram.desk_views import View, agenda_page, page_of
from domain.availability import local_day_bounds
from domain.model import Booking, Configuration, Municipality, StaffMember
from integrations.db.staff_desk import SqlStaffDesk
from locales.texts import Texts

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Presser:
    """A staff member pressing or typing, and where."""

    office: Municipality
    member: StaffMember
    private: bool
    texts: Texts


def staff_texts(user: User | None) -> Texts:
    language = (user.language_code or "") if user else ""
    return Texts("en" if language.startswith("en") else "el")


class Desk:
    @classmethod
    def of(cls, app: App, clock: Clock = lambda: datetime.now(UTC)) -> Desk:
        return cls(app.configuration, SqlStaffDesk(app.storage), app.settings.staff_chat_id, clock)

    def __init__(
        self,
        configuration: Configuration,
        desk: SqlStaffDesk,
        staff_chat_id: int | None,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.configuration = configuration
        self.store = desk
        self.staff_chat_id = staff_chat_id
        self.clock = clock

    def staff_member(self, telegram_user_id: int) -> tuple[Municipality, StaffMember] | None:
        for office in self.configuration.municipalities:
            member = office.staff_by_telegram_id(telegram_user_id)
            if member is not None:
                return office, member
        return None

    def presser(self, user: User | None, chat: Chat | None) -> Presser | None:
        """The staff member behind this update, in a private chat or the staff group; None for
        anyone else, or anywhere else."""
        if user is None or chat is None:
            return None
        found = self.staff_member(user.id)
        if found is None:
            return None
        if chat.type == "private" and chat.id == user.id:
            private = True
        elif self.staff_chat_id is not None and chat.id == self.staff_chat_id:
            private = False
        else:
            return None
        return Presser(found[0], found[1], private, staff_texts(user))

    def today(self, office: Municipality) -> date:
        return office.local_date(self.clock())

    def may_see(self, presser: Presser, booking: Booking) -> bool:
        return booking.municipality_id == presser.office.id and (
            presser.member.is_manager or booking.staff_id == presser.member.id
        )

    async def agenda_views(
        self,
        texts: Texts,
        office: Municipality,
        member: StaffMember,
        day: date,
        *,
        private: bool,
        office_wide: bool,
    ) -> list[View]:
        """One view per staff member: `member`'s own, or everyone's for a manager's office
        list (staff with nothing that day left out, unless nobody has anything)."""
        people = office.staff if office_wide else (member,)
        start, end = local_day_bounds(office, day)
        appointments = await self.store.appointments([p.id for p in people], start, end)
        views = []
        for person in people:
            theirs = [b for b in appointments if b.staff_id == person.id]
            if theirs or not office_wide:
                views.append(agenda_page(texts, office, person, day, theirs, 0, private=private))
        if not views:
            views.append(View(texts("desk.agenda.office_none", day=texts.day(day))))
        return views

    async def page_view(
        self,
        presser: Presser,
        person: StaffMember,
        day: date,
        page: int = 0,
        around: Booking | None = None,
    ) -> View:
        """A page of one staff member's day; with `around`, the page that booking is on."""
        start, end = local_day_bounds(presser.office, day)
        theirs = await self.store.appointments([person.id], start, end)
        number = page_of(theirs, around.id) if around is not None else page
        return agenda_page(
            presser.texts, presser.office, person, day, theirs, number, private=presser.private
        )

    async def view_around(self, presser: Presser, booking: Booking) -> View:
        """The agenda page on which this booking is (or was) shown."""
        person = presser.office.staff_member(booking.staff_id) or presser.member
        day = presser.office.local_date(booking.starts_at)
        return await self.page_view(presser, person, day, around=booking)


async def send_view(bot: Bot, chat_id: int, view: View) -> None:
    await bot.send_message(chat_id, view.text, reply_markup=view.markup)


async def edit_view(bot: Bot, message: Message, view: View) -> None:
    markup = view.markup if isinstance(view.markup, InlineKeyboardMarkup) else None
    try:
        await bot.edit_message_text(
            text=view.text,
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=markup,
        )
    except TelegramBadRequest as refused:
        if "not modified" not in str(refused):
            await send_view(bot, message.chat.id, view)
