"""Telegram's webhook in `python -m bot web`.

The secret header is compared in constant time, and nothing else happens without it. An update
is handled completely before Telegram gets its 200 (aiogram's SimpleRequestHandler answers
first by default, which loses the update if the process dies in between): without a 200,
Telegram delivers it again, and the shared record of handled update ids keeps it from being
handled twice. One delivered again while it is still in hand — on a slow instance, or on one
that died less than 30 s ago — gets 503, and Telegram delivers it once more later (holding that
chat's later updates back meanwhile, which keeps them in order).
"""

from __future__ import annotations

import hmac
import logging

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.telegram.once import InHandElsewhere
from bot.webhook_body import BadBody, read_json_object

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_ID = 2**63
"""Kept as 64-bit integers by the record of handled updates; Telegram's are far below."""


def add_telegram_webhook(
    application: web.Application, bot: Bot, dispatcher: Dispatcher, secret: str
) -> None:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=401)
        try:
            body = read_json_object(await request.read())
            update = Update.model_validate(body, context={"bot": bot})
        except (BadBody, ValidationError):
            return web.Response(status=400)
        if not 0 <= update.update_id < MAX_UPDATE_ID:
            return web.Response(status=400)
        try:
            await dispatcher.feed_update(bot, update)
        except InHandElsewhere:
            return web.Response(status=503, headers={"Retry-After": "5"})
        return web.Response(status=200)

    application.router.add_post(WEBHOOK_PATH, receive)
