"""Viber's side of the outbox and of the webhook handler, through the bot's real Viber client
against the local Viber stand-in: reminders with a button to the citizen's bookings, nothing to
someone who unsubscribed, Viber's "too many requests" waited out, and the e-mail's manage link
that opens the booking in Viber."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.viber.handlers import Sleep, ViberCitizens
from bot.viber.notices import viber_manage_url
from bot.viber.render import CHOICE_PREFIX
from bot.worker import build_outbox_worker, manage_url_of_channels
from dialogs.engine import Dialog
from domain.model import ChannelIdentity, Configuration
from domain.use_cases import book
from integrations.db.conversations import SqlConversationStore
from integrations.db.manage_tokens import SqlManageTokens
from integrations.db.seen_updates import SqlSeenUpdates
from integrations.db.storage import SqlStorage
from integrations.db.tables import outbox, viber_callbacks
from integrations.db.viber_subscribers import SqlViberSubscribers
from integrations.outbox.wiring import build_worker
from integrations.settings import DEFAULT_BOOKING_CONFIG, Settings
from integrations.viber.client import ViberClient
from tests.factories import athens
from tests.fake_viber import FakeViber
from tests.integration.test_bookings import NOW, request
from tests.integration.test_emails import CHANIA, drain, plain, settings
from tests.integration.test_outbox import Clock
from tests.smtp_server import SmtpServer

ELENI = ChannelIdentity("viber", "01234567890A=")
REMINDER_DUE = athens(date(2026, 12, 2), "10:05")
"""A day before Thursday's 10:00 appointment, and a little after."""
VIBER_LINK = re.compile(r"viber://pa\?chatURI=dimoschanion&context=m_([A-Za-z0-9_-]+)")


@pytest.fixture
async def client(viber: FakeViber) -> AsyncIterator[ViberClient]:
    client = ViberClient(viber.token, "Δήμος Χανίων", viber.base_url)
    yield client
    await client.close()


def app_for(storage: SqlStorage) -> App:
    configuration = Configuration((CHANIA,))
    dialog = Dialog(
        configuration,
        storage,
        SqlConversationStore(storage.engine),
        clock=lambda: NOW,
        manage_links=SqlManageTokens(storage.engine),
    )
    return App(
        Settings(database_url="", booking_config=DEFAULT_BOOKING_CONFIG),
        configuration,
        storage.engine,
        storage,
        dialog,
    )


def citizens_for(
    storage: SqlStorage, client: ViberClient, sleep: Sleep = asyncio.sleep
) -> ViberCitizens:
    """The handler of Viber's callbacks, as `python -m bot web` builds it."""
    return ViberCitizens(
        app_for(storage).dialog,
        client,
        SqlViberSubscribers(storage.engine),
        SqlSeenUpdates(storage.engine, viber_callbacks),
        sleep=sleep,
    )


async def outbox_row(storage: SqlStorage, kind: str) -> tuple[str, int]:
    """(status, attempts) of the first outbox row of `kind`."""
    async with storage.engine.connect() as connection:
        row = (
            await connection.execute(
                select(outbox.c.status, outbox.c.attempts)
                .where(outbox.c.kind == kind)
                .order_by(outbox.c.id)
            )
        ).first()
    assert row is not None
    return row.status, row.attempts


async def test_a_viber_citizen_is_reminded_with_a_button_to_their_bookings(
    storage: SqlStorage, viber: FakeViber, client: ViberClient
):
    clock = Clock(NOW)
    worker = build_outbox_worker(app_for(storage), None, client, clock=clock)
    booking = await book(request(ELENI, "10:00"), storage, CHANIA, NOW)
    await drain(worker)
    assert viber.sent == []
    clock.now = REMINDER_DUE
    await drain(worker)
    (reminder,) = viber.sent_to(ELENI.user_id)
    assert reminder.text.startswith(
        f"⏰ Υπενθύμιση: το ραντεβού σας {booking.reference} είναι Πέμπτη 3 Δεκεμβρίου, 10:00."
    )
    [to_bookings] = reminder.buttons
    assert to_bookings["Text"] == "Οι κρατήσεις μου"
    assert to_bookings["ActionBody"] == CHOICE_PREFIX + "nav:mine"


async def test_nothing_is_sent_to_a_citizen_who_unsubscribed(
    storage: SqlStorage, viber: FakeViber, client: ViberClient
):
    clock = Clock(NOW)
    worker = build_outbox_worker(app_for(storage), None, client, clock=clock)
    await book(request(ELENI, "10:00"), storage, CHANIA, NOW)
    await SqlViberSubscribers(storage.engine).set(ELENI.user_id, subscribed=False)
    clock.now = REMINDER_DUE
    await drain(worker)
    assert viber.calls == []
    assert (await outbox_row(storage, "chat_reminder"))[0] == "dropped"


async def test_a_citizen_viber_no_longer_reaches_is_not_tried_again(
    storage: SqlStorage, viber: FakeViber, client: ViberClient
):
    clock = Clock(NOW)
    worker = build_outbox_worker(app_for(storage), None, client, clock=clock)
    await book(request(ELENI, "10:00"), storage, CHANIA, NOW)
    viber.unsubscribed.add(ELENI.user_id)  # left without the bot hearing of it
    clock.now = REMINDER_DUE
    await drain(worker)
    assert (await outbox_row(storage, "chat_reminder"))[0] == "dropped"
    assert await SqlViberSubscribers(storage.engine).unsubscribed(ELENI.user_id)


async def test_too_many_requests_puts_a_reminder_off_without_counting_a_failure(
    storage: SqlStorage, viber: FakeViber, client: ViberClient
):
    clock = Clock(NOW)
    worker = build_outbox_worker(app_for(storage), None, client, clock=clock)
    await book(request(ELENI, "10:00"), storage, CHANIA, NOW)
    viber.too_many_for_next = 1
    clock.now = REMINDER_DUE
    await drain(worker)
    assert viber.sent == []
    assert await outbox_row(storage, "chat_reminder") == ("pending", 0)
    clock.now = REMINDER_DUE + timedelta(minutes=4)
    await drain(worker)
    assert viber.sent == []  # Viber's limit is waited out, not hammered
    clock.now = REMINDER_DUE + timedelta(minutes=5, seconds=1)
    await drain(worker)
    assert len(viber.sent_to(ELENI.user_id)) == 1
    assert await outbox_row(storage, "chat_reminder") == ("done", 1)  # the wait was no attempt


async def test_the_email_link_opens_the_booking_in_viber(
    storage: SqlStorage, viber: FakeViber, client: ViberClient, smtp: SmtpServer
):
    worker = build_worker(
        settings(smtp),
        Configuration((CHANIA,)),
        storage,
        manage_url=manage_url_of_channels([viber_manage_url(client)]),
        smtp_tls_context=smtp.client_context(),
        clock=Clock(NOW),
    )
    booking = await book(request(ELENI, "10:00"), storage, CHANIA, NOW)
    await drain(worker)
    (confirmation,) = smtp.mailbox.to("maria@example.com")
    link = VIBER_LINK.search(plain(confirmation))
    assert link is not None

    citizens = citizens_for(storage, client)
    opened = viber.conversation_started(ELENI.user_id, context=f"m_{link.group(1)}")
    welcome = await citizens.handle(opened)
    assert welcome is not None
    assert f"Κράτηση {booking.reference}" in welcome["text"]
    labels = [b["Text"] for b in welcome["keyboard"]["Buttons"]]
    assert "Ακύρωση κράτησης" in labels

    stranger = viber.conversation_started("0FFFFFFF=", context=f"m_{link.group(1)}")
    answer = await citizens.handle(stranger)
    assert answer is not None
    assert booking.reference not in answer["text"]


async def test_a_reply_waits_out_too_many_requests_and_then_goes(
    storage: SqlStorage, viber: FakeViber, client: ViberClient
):
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    citizens = citizens_for(storage, client, sleep)
    viber.too_many_for_next = 2
    await citizens.handle(viber.message(ELENI.user_id, "/book"))
    assert waited == [1.0, 2.0]
    (reply,) = viber.sent_to(ELENI.user_id)
    assert "Ραντεβού με τηλεδιάσκεψη" in [b["Text"] for b in reply.buttons]


async def test_a_sticker_gets_the_same_step_again_with_a_reason(
    storage: SqlStorage, viber: FakeViber, client: ViberClient
):
    citizens = citizens_for(storage, client)
    await citizens.handle(viber.message(ELENI.user_id, "/book"))
    sticker = viber.message(ELENI.user_id, "")
    sticker["message"] = {"type": "sticker", "sticker_id": 46105}
    await citizens.handle(sticker)
    asked, again = viber.sent_to(ELENI.user_id)
    assert again.buttons == asked.buttons
    assert again.text.startswith("Δεν μπορώ να διαβάσω αυτοκόλλητα, φωτογραφίες")
    assert again.text.endswith("Πώς θέλετε να εξυπηρετηθείτε;")


async def test_coming_back_to_the_chat_shows_the_step_the_citizen_was_at(
    storage: SqlStorage, viber: FakeViber, client: ViberClient
):
    citizens = citizens_for(storage, client)
    welcome = await citizens.handle(viber.conversation_started(ELENI.user_id))
    assert welcome is not None
    assert welcome["text"].startswith("Καλώς ήρθατε!")
    await citizens.handle(viber.message(ELENI.user_id, "/book"))
    await citizens.handle(viber.message(ELENI.user_id, CHOICE_PREFIX + "mode:in_person"))
    service_step = viber.sent_to(ELENI.user_id)[-1]
    back = await citizens.handle(viber.conversation_started(ELENI.user_id, subscribed=True))
    assert back is not None
    assert back["text"] == service_step.text
    assert back["keyboard"]["Buttons"] == service_step.buttons
