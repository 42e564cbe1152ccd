"""Viber sends a file only from a URL it downloads itself, so /mydata's JSON file is served by
`python -m bot web` at a link that opens for one citizen and for a quarter of an hour.

The link carries the Viber user id and its expiry, signed with a key derived from the bot's
token: any instance can check it, nothing is stored, and a changed or expired link opens
nothing. The file is made when it is fetched, from what is kept at that moment."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web

from dialogs.privacy import kept_file
from domain.model import ChannelIdentity, Configuration
from domain.personal_data import kept_about
from domain.ports import Storage

EXPORT_PATH = "/mydata"
VALID_FOR = timedelta(minutes=15)
Clock = Callable[[], datetime]


class ExportLinks:
    def __init__(
        self, bot_token: str, base_url: str, clock: Clock = lambda: datetime.now(UTC)
    ) -> None:
        self._key = hashlib.sha256(b"rantevou-mydata:" + bot_token.encode()).digest()
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    def link(self, user_id: str, file_name: str) -> str:
        expires = int((self._clock() + VALID_FOR).timestamp())
        payload = base64.urlsafe_b64encode(f"{expires}:{user_id}".encode()).decode().rstrip("=")
        return f"{self._base_url}{EXPORT_PATH}/{payload}.{self._sign(payload)}/{file_name}"

    def user_of(self, token: str) -> str | None:
        """The Viber user id a link was made for; None for a forged or expired one."""
        payload, _, signature = token.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            padded = payload + "=" * (-len(payload) % 4)
            expires, _, user_id = base64.urlsafe_b64decode(padded).decode().partition(":")
            if int(expires) < self._clock().timestamp():
                return None
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        return user_id or None

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def export_page(
    links: ExportLinks, storage: Storage, configuration: Configuration, clock: Clock
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def download(request: web.Request) -> web.StreamResponse:
        user_id = links.user_of(request.match_info["token"])
        if user_id is None:
            return web.Response(status=404)
        kept = await kept_about(ChannelIdentity("viber", user_id), storage)
        if kept.citizen is None:
            return web.Response(status=404)
        office = configuration.municipalities[0]
        return web.Response(
            body=kept_file(kept, office, clock()),
            content_type="application/json",
            headers={
                "Content-Disposition": "attachment",
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
            },
        )

    return download


def add_export_page(
    application: web.Application,
    links: ExportLinks,
    storage: Storage,
    configuration: Configuration,
    clock: Clock = lambda: datetime.now(UTC),
) -> None:
    application.router.add_get(
        EXPORT_PATH + "/{token}/{name}", export_page(links, storage, configuration, clock)
    )
