"""Viber's callbacks at /viber/webhook. The signature is checked before anything else: Viber
signs the raw body with HMAC-SHA256 keyed by the bot's token and sends the hex digest in
`X-Viber-Content-Signature`; a missing or wrong one gets 403 and changes nothing. A callback is
handled before its 200, so a process that dies meanwhile leaves it for Viber's retry."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from aiohttp import web

from bot.viber.handlers import MalformedCallback, ViberCitizens
from bot.webhook_body import BadBody, read_json_object

log = logging.getLogger(__name__)

VIBER_WEBHOOK_PATH = "/viber/webhook"
SIGNATURE_HEADER = "X-Viber-Content-Signature"


def signature(token: str, body: bytes) -> str:
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def add_viber_webhook(application: web.Application, citizens: ViberCitizens, token: str) -> None:
    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        given = request.headers.get(SIGNATURE_HEADER, "").strip().lower().encode()
        if not hmac.compare_digest(given, signature(token, body).encode()):
            return web.Response(status=403)
        try:
            answer = await citizens.handle(read_json_object(body))
        except (BadBody, MalformedCallback):
            return web.Response(status=400)
        if answer is None:
            return web.Response(status=200)
        return web.json_response(answer, dumps=lambda data: json.dumps(data, ensure_ascii=False))

    application.router.add_post(VIBER_WEBHOOK_PATH, receive)
