"""`python -m bot web`: the webhooks of the channels that have a token (Telegram with BOT_TOKEN,
Viber with VIBER_TOKEN), the operator's /health, /ready and /metrics, and the privacy notice's
page, in one aiohttp server.
With WEBHOOK_BASE_URL set, each webhook is registered with its channel once the server listens
(Viber calls the address back before it answers)."""

from __future__ import annotations

import asyncio
import signal
from contextlib import AsyncExitStack

from aiohttp import web

from bot.app import App
from bot.health import add_operator_routes, listen
from bot.privacy_page import privacy_page
from bot.telegram.runner import GRACE_S, make_bot, make_dispatcher, register_webhook
from bot.telegram.webhook import add_telegram_webhook
from bot.viber.exports import add_export_page
from bot.viber.runner import export_links, make_viber_client, viber_citizens
from bot.viber.webhook import VIBER_WEBHOOK_PATH, add_viber_webhook

BODY_LIMIT = 1024 * 1024


async def serve_web(app: App) -> None:
    """Serves until SIGTERM or SIGINT."""
    settings = app.settings
    application = web.Application(client_max_size=BODY_LIMIT)
    add_operator_routes(application, settings.database_url, app.engine)
    application.router.add_get("/privacy", privacy_page(app.configuration))
    async with AsyncExitStack() as closing:
        bot = dispatcher = viber = None
        if settings.bot_token:
            bot = make_bot(app)  # the app closes it
            dispatcher = make_dispatcher(app, webhook=True)
            add_telegram_webhook(application, bot, dispatcher, settings.webhook_secret)
        if settings.viber_token:
            viber = make_viber_client(app)
            add_viber_webhook(application, viber_citizens(app, viber), settings.viber_token)
            links = export_links(app)
            if links is not None:
                add_export_page(application, links, app.storage, app.configuration)
        runner = web.AppRunner(application, shutdown_timeout=GRACE_S)  # requests in hand finish
        await runner.setup()
        closing.push_async_callback(runner.cleanup)
        await listen(runner, settings.host, settings.port, "PORT")
        if settings.webhook_base_url:
            if bot and dispatcher:
                await register_webhook(app, bot, dispatcher)
            if viber:
                await viber.set_webhook(settings.webhook_base_url + VIBER_WEBHOOK_PATH)
        await _until_stopped()


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    await stop.wait()
