"""Staff pings and chat reminders through the bot's real Telegram client, against the local Bot
API server: what the staff group reads, the group's pace, and reminders in the citizen's chat."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import Bot

from bot.app import App
from bot.telegram.delivery import Delivery
from bot.telegram.runner import make_bot
from bot.worker import build_outbox_worker
from dialogs.engine import Dialog
from domain.model import Configuration
from domain.use_cases import book, cancel, reschedule
from integrations.db.conversations import SqlConversationStore
from integrations.db.staff_desk import SqlStaffDesk
from integrations.db.storage import SqlStorage
from integrations.outbox.worker import OutboxWorker
from integrations.pace import LocalPace, Pace
from integrations.settings import DEFAULT_BOOKING_CONFIG, Settings
from tests.factories import athens
from tests.fake_telegram import FakeTelegram
from tests.integration.test_bookings import NOW, THURSDAY, citizen, request
from tests.integration.test_emails import CHANIA, drain
from tests.integration.test_outbox import Clock

STAFF_CHAT = -100123


def app_for(storage: SqlStorage, telegram: FakeTelegram, pace: Pace | None = None) -> App:
    settings = Settings(
        database_url="",
        booking_config=DEFAULT_BOOKING_CONFIG,
        bot_token=telegram.token,
        telegram_api_url=telegram.base_url,
        staff_chat_id=STAFF_CHAT,
        meeting_provider="jitsi",
        jitsi_base_url="https://meet.example.org",
    )
    configuration = Configuration((CHANIA,))
    dialog = Dialog(configuration, storage, SqlConversationStore(storage.engine))
    return App(settings, configuration, storage.engine, storage, dialog, given_pace=pace)


class SteppingClock(Clock):
    """NOW, moved on by the test; the staff group's pace reads the same clock, so that a test
    lets three seconds pass without waiting them."""

    def __init__(self) -> None:
        super().__init__(NOW)

    def seconds(self) -> float:
        return (self.now - NOW).total_seconds()

    def pass_seconds(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def worker_and_bot(
    storage: SqlStorage, telegram: FakeTelegram, clock: SteppingClock | None = None
) -> tuple[OutboxWorker, Bot, SteppingClock]:
    clock = clock or SteppingClock()
    app = app_for(storage, telegram, LocalPace(clock.seconds))  # the staff group's pace
    bot = make_bot(app, delivery=Delivery(pace=LocalPace()))  # sending, in real time
    return build_outbox_worker(app, bot, clock=clock), bot, clock


async def test_the_staff_group_reads_each_new_moved_and_cancelled_booking(
    storage: SqlStorage, telegram: FakeTelegram
):
    worker, bot, clock = worker_and_bot(storage, telegram)
    try:
        booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
        await drain(worker)
        (ping,) = telegram.sent_to(STAFF_CHAT)
        for line in (
            f"🆕 Νέο ραντεβού {booking.reference}",
            "Υπηρεσία: Υπηρεσία Δόμησης – Οικοδομικές Άδειες",
            "Τρόπος: Ραντεβού με τηλεδιάσκεψη",
            "Ημέρα και ώρα: Πέμπτη 3 Δεκεμβρίου, 10:00",
            "Υπάλληλος: Anna",
            "Ονοματεπώνυμο: Μαρία Παπαδάκη",
            "Θέμα: Άδεια δόμησης για την οικία μου",
            "Αριθμός αίτησης: 12345/2026",
        ):
            assert line in ping.text
        assert "maria@example.com" not in ping.text
        assert "6912345678" not in ping.text
        clock.pass_seconds(3.1)  # the group's pace: one message every three seconds
        later = athens(THURSDAY, "10:30")
        await reschedule(citizen(), booking.reference, later, "anna", storage, CHANIA, NOW)
        await drain(worker)
        moved = telegram.sent_to(STAFF_CHAT)[-1].text
        assert moved.startswith(f"🔁 Αλλαγή ραντεβού {booking.reference}")
        assert "Από: Πέμπτη 3 Δεκεμβρίου, 10:00\nΣε: Πέμπτη 3 Δεκεμβρίου, 10:30" in moved
        clock.pass_seconds(3.1)
        await cancel(citizen(), booking.reference, storage, NOW)
        await drain(worker)
        assert telegram.sent_to(STAFF_CHAT)[-1].text.startswith(
            f"❌ Ακύρωση ραντεβού {booking.reference}"
        )
        assert "Ακυρώθηκε από την υπηρεσία" not in telegram.sent_to(STAFF_CHAT)[-1].text
    finally:
        await bot.session.close()


async def test_the_staff_group_reads_who_in_the_office_cancelled_and_why(
    storage: SqlStorage, telegram: FakeTelegram
):
    worker, bot, _clock = worker_and_bot(storage, telegram)
    try:
        booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
        await SqlStaffDesk(storage).cancel_for_citizen(booking.id, "babis", "illness", NOW)
        await drain(worker)
        (ping,) = telegram.sent_to(STAFF_CHAT)  # the new and the cancelled, gathered
        assert f"❌ Ακύρωση ραντεβού {booking.reference}" in ping.text
        assert "Ακυρώθηκε από την υπηρεσία (Babis). Αιτία: Ασθένεια του υπαλλήλου." in ping.text
    finally:
        await bot.session.close()


async def test_a_burst_of_pings_is_gathered_into_one_message_within_the_group_pace(
    storage: SqlStorage, telegram: FakeTelegram
):
    worker, bot, clock = worker_and_bot(storage, telegram)
    try:
        first = await book(request(citizen(0), "09:00"), storage, CHANIA, NOW)
        await drain(worker)
        burst = [
            await book(request(citizen(n), clock, staff_id=None), storage, CHANIA, NOW)
            for n, clock in enumerate(("09:30", "10:00", "10:30", "12:00", "12:30"), start=1)
        ]
        await drain(worker)
        assert len(telegram.sent_to(STAFF_CHAT)) == 1  # too soon: the pings wait, gathered
        clock.pass_seconds(2.5)
        await drain(worker)
        assert len(telegram.sent_to(STAFF_CHAT)) == 1  # still within the three seconds
        clock.pass_seconds(0.6)
        await drain(worker)
        first_message, gathered = telegram.sent_to(STAFF_CHAT)
        assert first.reference in first_message.text
        assert all(b.reference in gathered.text for b in burst)
    finally:
        await bot.session.close()


async def test_a_citizen_is_reminded_in_the_chat_with_the_link(
    storage: SqlStorage, telegram: FakeTelegram
):
    worker, bot, clock = worker_and_bot(storage, telegram)
    try:
        booking = await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
        await drain(worker)
        clock.now = athens(date(2026, 12, 2), "10:05")
        await drain(worker)
        (reminder,) = telegram.sent_to(int(citizen().user_id))
        assert reminder.text.startswith(
            f"⏰ Υπενθύμιση: το ραντεβού σας {booking.reference} είναι Πέμπτη 3 Δεκεμβρίου, 10:00."
        )
        assert "Συμμετοχή στη συνάντηση: https://meet.example.org/rantevou-" in reminder.text
        assert "/mybookings" in reminder.text
    finally:
        await bot.session.close()


async def test_a_citizen_who_blocked_the_bot_is_not_chased(
    storage: SqlStorage, telegram: FakeTelegram
):
    worker, bot, clock = worker_and_bot(storage, telegram)
    telegram.blocked_by.add(int(citizen().user_id))
    try:
        await book(request(citizen(), "10:00"), storage, CHANIA, NOW)
        clock.now = athens(THURSDAY, "08:30")
        await drain(worker)
        assert telegram.sent_to(int(citizen().user_id)) == []
        clock.pass_seconds(3.1)
        await drain(worker)
        group = " ".join(m.text for m in telegram.sent_to(STAFF_CHAT))
        assert "⚠️" not in group  # a blocked bot is the citizen's choice, not a failure
    finally:
        await bot.session.close()
