"""Viber callbacks in, the dialog's screens out.

- `conversation_started` (the citizen opened the chat, perhaps through a manage link with
  `context=m_<token>`): the answer is the welcome message itself, in the HTTP response, since
  Viber lets a bot write to someone who has not subscribed only that way. A newcomer gets the
  greeting and the menu; a citizen who comes back, the step they were at, answers kept.
- `message`: typed text, or a pressed button's ActionBody; the screens go out as new messages
  (Viber cannot edit a sent one).
- `subscribed` / `unsubscribed`: remembered, so nothing is sent to someone who left.
- `delivered`, `seen`, `failed`: noted in the log, not answered.
A repeated message_token is handled once, by whichever instance gets it first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.viber.exports import ExportLinks
from bot.viber.render import choice_from_reply, keyboard, message_text
from dialogs.engine import Dialog
from dialogs.screens import Event, Screen
from domain.model import ChannelIdentity
from integrations.db.seen_updates import SqlSeenUpdates
from integrations.db.viber_subscribers import SqlViberSubscribers
from integrations.metrics import measured_update
from integrations.viber.client import (
    NotReachable,
    TooManyRequests,
    ViberClient,
    ViberError,
    ViberUnavailable,
)

log = logging.getLogger(__name__)

VIBER = "viber"
SEND_ATTEMPTS = 4
FIRST_BACKOFF_S = 1.0

Callback = dict[str, Any]
Sleep = Callable[[float], Awaitable[None]]


class MalformedCallback(ValueError):
    """A callback without the fields its event must have."""


class ViberCitizens:
    def __init__(
        self,
        dialog: Dialog,
        client: ViberClient,
        subscribers: SqlViberSubscribers,
        seen: SqlSeenUpdates,
        sleep: Sleep = asyncio.sleep,
        exports: ExportLinks | None = None,
    ) -> None:
        """`exports`: where the web server serves /mydata's file (None: the message only)."""
        self._exports = exports
        self._dialog = dialog
        self._client = client
        self._subscribers = subscribers
        self._seen = seen
        self._sleep = sleep

    async def handle(self, callback: Callback) -> dict[str, Any] | None:
        """Returns the body of the HTTP answer: a welcome message, or None for an empty 200."""
        event = callback.get("event")
        if event == "message":
            await self._once(callback, self._on_message)
        elif event == "conversation_started":
            return await self._once(callback, self._on_conversation_started)
        elif event == "subscribed":
            await self._subscribers.set(_user_id(callback.get("user")), subscribed=True)
        elif event == "unsubscribed":
            await self._subscribers.set(_user_id({"id": callback.get("user_id")}), subscribed=False)
        elif event == "failed":
            log.warning("Viber could not deliver message %s", callback.get("message_token"))
        else:  # webhook, delivered, seen
            log.debug("Viber callback %s", event)
        return None

    async def _once(
        self, callback: Callback, handle: Callable[[Callback], Awaitable[dict[str, Any] | None]]
    ) -> dict[str, Any] | None:
        token = str(callback.get("message_token", ""))
        if token and not await self._seen.claim(token):
            return None
        try:
            async with measured_update("viber"):
                answer = await handle(callback)
        except BaseException:
            if token:
                await self._seen.release(token)
            raise
        if token:
            await self._seen.handled(token)
        return answer

    async def _on_conversation_started(self, callback: Callback) -> dict[str, Any]:
        user = callback.get("user")
        identity = _identity(user)
        context = str(callback.get("context") or "")
        text = f"/start {context}" if context.startswith("m_") else None
        event = Event(identity, text=text, language_hint=_language(user))
        screens = await self._dialog.handle(event)
        if callback.get("subscribed"):
            await self._subscribers.set(identity.user_id, subscribed=True)
        welcome = "\n\n".join(message_text(s) for s in screens)
        return self._client.message_body(welcome, keyboard(screens[-1]))

    async def _on_message(self, callback: Callback) -> None:
        sender, message = callback.get("sender"), callback.get("message")
        identity = _identity(sender)
        if not isinstance(message, dict):
            raise MalformedCallback("message")
        await self._subscribers.set(identity.user_id, subscribed=True)
        readable = message.get("type") == "text"  # not a sticker, a picture, a location
        text = str(message.get("text") or "") if readable else ""
        choice = choice_from_reply(text)
        event = Event(
            identity,
            text=None if choice else text,
            choice=choice,
            language_hint=_language(sender),
            unreadable=not readable,
        )
        screens = await self._dialog.handle(event)
        await self.send(identity.user_id, screens)

    async def send(self, user_id: str, screens: list[Screen]) -> None:
        for screen in screens:
            if not await self._send_one(user_id, screen):
                return

    async def _send_one(self, user_id: str, screen: Screen) -> bool:
        body = self._client.message_body(message_text(screen), keyboard(screen))
        sent = await self._deliver(user_id, body)
        attachment = screen.attachment
        if sent and attachment is not None and self._exports is not None:
            url = self._exports.link(user_id, attachment.file_name)
            file = self._client.file_body(url, attachment.file_name, len(attachment.content))
            sent = await self._deliver(user_id, file)
        return sent

    async def _deliver(self, user_id: str, body: dict[str, Any]) -> bool:
        for attempt in range(SEND_ATTEMPTS):
            try:
                await self._client.send_message(user_id, body)
                return True
            except NotReachable:
                await self._subscribers.set(user_id, subscribed=False)
                return False
            except (TooManyRequests, ViberUnavailable) as refused:
                log.warning("Viber: %s; trying again", refused)
                await self._sleep(FIRST_BACKOFF_S * 2**attempt)
            except ViberError as refused:
                log.error("Viber refused a reply: %s", refused)
                return False
        log.error("Viber: a reply could not be sent after %s attempts", SEND_ATTEMPTS)
        return False


def _user_id(user: object) -> str:
    if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
        raise MalformedCallback("user id")
    return str(user["id"])


def _identity(user: object) -> ChannelIdentity:
    return ChannelIdentity(VIBER, _user_id(user))


def _language(user: object) -> str | None:
    language = user.get("language") if isinstance(user, dict) else None
    return language if isinstance(language, str) else None
