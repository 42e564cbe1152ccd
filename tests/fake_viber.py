"""A small local stand-in for Viber, as documented at creators.viber.com/docs/bots-api: the REST
API the bot calls (set_webhook, send_message, get_account_info, with `X-Viber-Auth-Token`), and
the platform that posts callbacks to the bot's webhook, signed with HMAC-SHA256 of the body keyed
by the token (`X-Viber-Content-Signature`).

Like Viber, set_webhook calls the webhook back before it answers; send_message refuses a
keyboard Viber would refuse (a button wider than six columns or two rows, a Text over 250
characters), answers status 6 for a user who unsubscribed and status 12 after 100 messages
within an hour to a user who has not answered. It also refuses a row that does not fill its six
columns, which Viber would take but lay out wrongly (the next button moves up into the row).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

ACCOUNT = {"id": "pa:5551234", "name": "Δήμος Χανίων", "uri": "dimoschanion"}
UNANSWERED_LIMIT = 100
ACTION_TYPES = {"reply", "open-url", "location-picker", "share-phone", "none"}


@dataclass
class ViberMessage:
    receiver: str
    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    token: int = 0

    def rows(self) -> list[list[dict[str, Any]]]:
        """The buttons as Viber lays them out: a row ends when six columns are full."""
        rows: list[list[dict[str, Any]]] = [[]]
        width = 0
        for button in self.buttons:
            if width == 6:
                rows.append([])
                width = 0
            rows[-1].append(button)
            width += int(button.get("Columns", 6))
        return rows if self.buttons else []


@dataclass
class ViberFile:
    """A file message: Viber downloads `media` and hands it to the receiver."""

    receiver: str
    media: str
    size: int
    file_name: str


class FakeViber:
    def __init__(self, token: str = "test-viber-token") -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[ViberMessage] = []
        self.files: list[ViberFile] = []
        self.webhook_url = ""
        self.event_types: list[str] = []
        self.unsubscribed: set[str] = set()
        self.too_many_for_next = 0
        """How many of the next send_message calls get status 12."""
        self._unanswered: dict[str, list[float]] = {}
        self._tokens = itertools.count(5_000_000_000_000_000_001)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/pa"

    async def start(self) -> None:
        application = web.Application()
        application.router.add_post("/pa/{method}", self._handle)
        self._runner = web.AppRunner(application)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def sent_to(self, user_id: str) -> list[ViberMessage]:
        return [m for m in self.sent if m.receiver == user_id]

    # --- the platform: callbacks to the bot ---------------------------------------------

    def sign(self, body: bytes) -> str:
        return hmac.new(self.token.encode(), body, hashlib.sha256).hexdigest()

    async def post_callback(
        self, callback: dict[str, Any], signature: str | None = "right"
    ) -> tuple[int, Any]:
        """Posts a callback to the webhook; `signature`: "right", None (no header) or the
        header's value. Returns the status and the JSON answer (None when empty)."""
        body = json.dumps(callback, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "right":
            headers["X-Viber-Content-Signature"] = self.sign(body)
        elif signature is not None:
            headers["X-Viber-Content-Signature"] = signature
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook_url, data=body, headers=headers) as response,
        ):
            text = await response.text()
            return response.status, json.loads(text) if text else None

    async def post_raw(self, body: bytes) -> int:
        """Any bytes, rightly signed: what an attacker holding no token cannot send, but a
        broken client might. Returns the status."""
        headers = {"Content-Type": "application/json", "X-Viber-Content-Signature": self.sign(body)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook_url, data=body, headers=headers) as response,
        ):
            return response.status

    def callback(self, event: str, **fields: Any) -> dict[str, Any]:
        return {
            "event": event,
            "timestamp": int(time.time() * 1000),
            "chat_hostname": "SN-CHAT-01_",
            "message_token": next(self._tokens),
            **fields,
        }

    def message(self, user_id: str, text: str, language: str = "el") -> dict[str, Any]:
        self._unanswered.pop(user_id, None)  # the user answered: Viber's count starts again
        sender = {"id": user_id, "name": "Citizen", "language": language, "api_version": 10}
        return self.callback("message", sender=sender, message={"type": "text", "text": text})

    def conversation_started(
        self, user_id: str, context: str | None = None, subscribed: bool = False
    ) -> dict[str, Any]:
        user = {"id": user_id, "name": "Citizen", "language": "el", "api_version": 10}
        fields: dict[str, Any] = {"type": "open", "user": user, "subscribed": subscribed}
        if context is not None:
            fields["context"] = context
        return self.callback("conversation_started", **fields)

    # --- the REST API ------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        payload = await request.json()
        self.calls.append((method, payload))
        if request.headers.get("X-Viber-Auth-Token") != self.token:
            return _status(2, "invalidAuthToken")
        if method == "set_webhook":
            return await self._set_webhook(payload)
        if method == "send_message":
            return self._send_message(payload, len(await request.read()))
        if method == "get_account_info":
            return web.json_response({"status": 0, "status_message": "ok", **ACCOUNT})
        return _status(3, "badData")

    async def _set_webhook(self, payload: dict[str, Any]) -> web.Response:
        self.webhook_url = str(payload.get("url", ""))
        if not self.webhook_url:
            return _status(0, "ok")
        self.event_types = list(payload.get("event_types", []))
        status, _ = await self.post_callback(self.callback("webhook"))
        if status != 200:
            return _status(1, "invalidUrl")
        return web.json_response(
            {"status": 0, "status_message": "ok", "event_types": self.event_types}
        )

    def _send_message(self, payload: dict[str, Any], size: int) -> web.Response:
        receiver = str(payload.get("receiver", ""))
        sender = payload.get("sender") or {}
        if payload.get("type") == "file" and receiver and sender.get("name"):
            return self._send_file(receiver, payload)
        if not receiver or not sender.get("name") or payload.get("type") != "text":
            return _status(4, "missingData")
        problem = _problem(payload, size)
        if problem:
            return _status(3, f"badData: {problem}")
        if receiver in self.unsubscribed:
            return _status(6, "receiverNotSubscribed")
        if self.too_many_for_next > 0:
            self.too_many_for_next -= 1
            return _status(12, "tooManyRequests")
        now = time.monotonic()
        recent = [t for t in self._unanswered.get(receiver, []) if t > now - 3600]
        if len(recent) >= UNANSWERED_LIMIT:
            return _status(12, "tooManyRequests")
        self._unanswered[receiver] = [*recent, now]
        token = next(self._tokens)
        keyboard = payload.get("keyboard") or {}
        self.sent.append(
            ViberMessage(receiver, payload["text"], keyboard.get("Buttons", []), token)
        )
        return web.json_response({"status": 0, "status_message": "ok", "message_token": token})

    def _send_file(self, receiver: str, payload: dict[str, Any]) -> web.Response:
        problem = _file_problem(payload)
        if problem:
            return _status(3, f"badData: {problem}")
        if receiver in self.unsubscribed:
            return _status(6, "receiverNotSubscribed")
        self.files.append(
            ViberFile(receiver, payload["media"], payload["size"], payload["file_name"])
        )
        token = next(self._tokens)
        return web.json_response({"status": 0, "status_message": "ok", "message_token": token})


def _file_problem(payload: dict[str, Any]) -> str | None:
    """Viber's rules for a file message: a URL it can fetch, the size in bytes, a name of at
    most 256 characters and not of a forbidden kind (executables, scripts)."""
    media, size, name = payload.get("media"), payload.get("size"), payload.get("file_name")
    if not isinstance(media, str) or not media.startswith(("http://", "https://")):
        return "media is not a URL"
    if not isinstance(size, int) or not 0 < size <= 50 * 1024 * 1024:
        return "size missing or over 50 MB"
    if not isinstance(name, str) or not name or len(name) > 256:
        return "file_name missing or over 256 characters"
    if name.rsplit(".", 1)[-1].lower() in {"exe", "bat", "cmd", "com", "js", "msi", "vbs"}:
        return "a forbidden file type"
    return None


def _problem(payload: dict[str, Any], size: int) -> str | None:
    if size > 30 * 1024:
        return "over 30 KB"
    if len(payload["sender"]["name"]) > 28:
        return "sender name over 28 characters"
    if not payload.get("text") or len(payload["text"]) > 7000:
        return "text empty or over 7000 characters"
    keyboard = payload.get("keyboard")
    if keyboard is None:
        return None
    if keyboard.get("Type") != "keyboard" or not keyboard.get("Buttons"):
        return "keyboard without Type or Buttons"
    width = 0
    for button in keyboard["Buttons"]:
        columns, rows = button.get("Columns", 6), button.get("Rows", 1)
        if not (1 <= columns <= 6 and 1 <= rows <= 2):
            return f"button of {columns} columns, {rows} rows"
        if len(button.get("Text", "")) > 250:
            return "button Text over 250 characters"
        if button.get("ActionType", "reply") not in ACTION_TYPES or "ActionBody" not in button:
            return "button without a known ActionType and an ActionBody"
        width = (width % 6) + columns
        if width > 6:
            return "a button runs over the end of its row"
    if width != 6:
        return "the last row does not fill six columns"
    return None


def _status(status: int, message: str) -> web.Response:
    return web.json_response({"status": status, "status_message": message})
