"""Wiring for Telegram: the Bot with its API server and delivery rules, the dispatcher with
its routers and middlewares, the commands, and long polling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    TelegramObject,
)

from bot.app import App
from bot.telegram import response_models
from bot.telegram.delivery import Delivery
from bot.telegram.desk import Desk
from bot.telegram.handlers import citizen_router
from bot.telegram.once import InHandElsewhere, OncePerUpdate
from bot.telegram.staff_desk import MANAGER_COMMANDS, STAFF_COMMANDS, staff_router
from bot.telegram.webhook import WEBHOOK_PATH
from integrations.metrics import measured_update
from integrations.outbox.worker import OutboxWorker
from locales.texts import Texts

log = logging.getLogger(__name__)

COMMANDS = (
    "start",
    "book",
    "mybookings",
    "language",
    "timezone",
    "privacy",
    "mydata",
    "forgetme",
    "help",
    "cancel",
)
POLLING_TIMEOUT_S = 30
GRACE_S = 25
"""On SIGTERM, how long updates in hand may take to finish (their replies may wait out a 429);
below the 30 s most process managers allow before SIGKILL."""


def make_bot(app: App, *, delivery: Delivery | None = None) -> Bot:
    response_models.keep()
    settings = app.settings
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    else:
        session = AiohttpSession()
    if delivery is None:
        delivery = Delivery(
            overall_per_second=settings.telegram_messages_per_s,
            per_chat_per_second=settings.telegram_chat_messages_per_s,
            pace=app.pace,
        )
    session.middleware(delivery)
    bot = Bot(settings.bot_token, session=session, default=DefaultBotProperties(parse_mode=None))
    app.closes(bot.session.close)
    return bot


class InFlight(BaseMiddleware):
    """Counts the updates being handled, so that a stopping process lets them finish: aiogram's
    polling, on SIGTERM, stops and closes the session without waiting for them, and their
    updates are already confirmed to Telegram. Each one's time goes to the metrics."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        self._count += 1
        self._idle.clear()
        try:
            async with measured_update("telegram", in_hand=(InHandElsewhere,)):
                return await handler(event, data)
        finally:
            self._count -= 1
            if not self._count:
                self._idle.set()

    async def finish(self, grace_s: float) -> None:
        """Waits for the updates in hand, at most `grace_s`."""
        if self._count:
            log.info("stopping: waiting for %d update(s) in hand", self._count)
        try:
            async with asyncio.timeout(grace_s):
                await self._idle.wait()
        except TimeoutError:
            log.warning("stopping: %d update(s) still in hand after %ss", self._count, grace_s)


def make_dispatcher(app: App, *, webhook: bool = False) -> Dispatcher:
    # No aiogram state machine: the conversation lives in the database, and aiogram's kept a
    # record in memory for every chat that ever wrote.
    dispatcher = Dispatcher(disable_fsm=True)
    in_flight = InFlight()
    dispatcher.update.outer_middleware(in_flight)

    async def let_them_finish() -> None:  # before the session closes
        await in_flight.finish(GRACE_S)

    dispatcher.shutdown.register(let_them_finish)
    seen = app.repositories.telegram_updates
    dispatcher.update.outer_middleware(OncePerUpdate(seen, retry_in_hand=webhook))
    dispatcher.include_router(staff_router(Desk.of(app)))  # staff first; the rest go on
    dispatcher.include_router(citizen_router(app.dialog))
    return dispatcher


async def register_commands(bot: Bot, app: App) -> None:
    """The command menu in Greek for Greek-speaking users, in English for everyone else. The
    staff's commands only in the menus of the staff: in each one's private chat with the bot,
    and for each of them in the staff group (per-chat scopes: citizens never see them)."""
    staff_chat_id = app.settings.staff_chat_id
    for language, code in (("el", "el"), ("en", None)):
        texts = Texts(language)

        def menu(names: tuple[str, ...], texts: Texts = texts) -> list[BotCommand]:
            return [BotCommand(command=c, description=texts(f"command.{c}")) for c in names]

        await bot.set_my_commands(menu(COMMANDS), language_code=code)
        for office in app.configuration.municipalities:
            for member in office.staff:
                if member.telegram_user_id is None:
                    continue
                desk = STAFF_COMMANDS + (MANAGER_COMMANDS if member.is_manager else ())
                await bot.set_my_commands(
                    menu(desk + COMMANDS),
                    scope=BotCommandScopeChat(chat_id=member.telegram_user_id),
                    language_code=code,
                )
                if staff_chat_id is not None:
                    await bot.set_my_commands(
                        menu(desk),
                        scope=BotCommandScopeChatMember(
                            chat_id=staff_chat_id, user_id=member.telegram_user_id
                        ),
                        language_code=code,
                    )


async def run_polling(app: App, worker: Callable[[Bot], OutboxWorker] | None = None) -> None:
    """Until SIGTERM or SIGINT. `worker`: the outbox worker to run beside the polling; it
    finishes the notifications in hand before the process ends (and the app closes the bot)."""
    bot = make_bot(app)
    dispatcher = make_dispatcher(app)
    outbox_worker = worker(bot) if worker else None
    working = asyncio.create_task(outbox_worker.run()) if outbox_worker else None
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        await register_commands(bot, app)
        await dispatcher.start_polling(bot, polling_timeout=POLLING_TIMEOUT_S, handle_signals=True)
    finally:
        if outbox_worker and working:
            outbox_worker.stopping.set()
            await working


async def register_webhook(app: App, bot: Bot, dispatcher: Dispatcher) -> None:
    """Tells Telegram where the webhook is (WEBHOOK_BASE_URL), with the secret it must send."""
    settings = app.settings
    await bot.set_webhook(
        url=settings.webhook_base_url + WEBHOOK_PATH,
        secret_token=settings.webhook_secret,
        allowed_updates=dispatcher.resolve_used_update_types(),
    )
    await register_commands(bot, app)
