"""The bare aiogram echo bot as a `web` process: the same webhook code as `python -m bot web`
(the secret, the body's checks, the update handled before the 200) with the echo dispatcher
behind it, no database, no Redis, no pace. The benchmark runs two of them behind the same
harness as the bot's two processes, so that the ratio compares the bots and not the harness.

Run: python -m bench.echo_web PORT TELEGRAM_API_URL BOT_TOKEN WEBHOOK_SECRET
"""

from __future__ import annotations

import asyncio
import signal
import sys

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from bench.telegram_throughput import echo_dispatcher
from bot.telegram.webhook import add_telegram_webhook


async def serve(port: int, api_url: str, token: str, secret: str) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=None))
    application = web.Application()
    add_telegram_webhook(application, bot, echo_dispatcher(), secret)
    application.router.add_get("/health", lambda _request: _ok())
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signal_number, stop.set)
    await stop.wait()
    await runner.cleanup()
    await bot.session.close()


async def _ok() -> web.Response:
    return web.Response(text="ok")


if __name__ == "__main__":
    port, api_url, token, secret = sys.argv[1:5]
    asyncio.run(serve(int(port), api_url, token, secret))
