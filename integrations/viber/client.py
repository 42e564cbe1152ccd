"""A thin client of Viber's REST bot API (https://chatapi.viber.com/pa/): every call is a JSON
POST carrying the token in `X-Viber-Auth-Token`, and every answer has a `status`, 0 for success.
Viber's failures become the errors below; nothing here retries.

The `viberbot` package is unmaintained, synchronous, and compares signatures with `==`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

DEFAULT_API_URL = "https://chatapi.viber.com/pa"
TOKEN_HEADER = "X-Viber-Auth-Token"
SENDER_NAME_LIMIT = 28
"""Characters: Viber refuses a longer sender name."""
MESSAGE_SIZE_LIMIT = 30 * 1024
"""Bytes of one send_message request."""

TOO_MANY_REQUESTS = 12
NOT_REACHABLE = {5, 6, 11}
"""receiverNotRegistered, receiverNotSubscribed, receiverNoSuitableDevice."""

EVENT_TYPES = ("delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started")
"""Callbacks asked for at set_webhook (message and webhook always come)."""


class ViberError(Exception):
    """Viber answered with a status other than 0."""

    def __init__(self, status: int, status_message: str) -> None:
        super().__init__(f"Viber status {status} ({status_message})")
        self.status = status


class TooManyRequests(ViberError):
    """Status 12: too fast overall, or 100 messages within an hour to a user who has not
    answered."""


class NotReachable(ViberError):
    """The user unsubscribed, left Viber, or has no device that can show the message."""


class ViberUnavailable(Exception):
    """Viber could not be reached, or answered with something that is not its API."""


@dataclass(frozen=True, slots=True)
class AccountInfo:
    id: str
    name: str
    uri: str
    """The bot's public name in links: viber://pa?chatURI=<uri>."""


class ViberClient:
    def __init__(
        self,
        token: str,
        sender_name: str,
        api_url: str = DEFAULT_API_URL,
        timeout_s: float = 15,
    ) -> None:
        self._token = token
        self.sender = {"name": sender_name[:SENDER_NAME_LIMIT]}
        self._api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def set_webhook(self, url: str) -> None:
        """Viber calls `url` with a `webhook` event before it answers, so the server must be
        listening already."""
        await self._call("set_webhook", {"url": url, "event_types": list(EVENT_TYPES)})

    async def get_account_info(self) -> AccountInfo:
        answer = await self._call("get_account_info", {})
        return AccountInfo(str(answer.get("id", "")), str(answer["name"]), str(answer["uri"]))

    async def send_message(self, receiver: str, message: dict[str, Any]) -> str:
        """`message`: a message body (type, text, keyboard…) as `message_body` makes it.
        Returns Viber's message token."""
        answer = await self._call("send_message", {"receiver": receiver, **message})
        return str(answer.get("message_token", ""))

    def message_body(self, text: str, keyboard: dict[str, Any] | None = None) -> dict[str, Any]:
        """A text message from the bot; also the answer to `conversation_started`."""
        body: dict[str, Any] = {"type": "text", "sender": self.sender, "text": text}
        if keyboard is not None:
            body["keyboard"] = keyboard
        return body

    def file_body(self, url: str, file_name: str, size: int) -> dict[str, Any]:
        """A file Viber downloads from `url` and hands to the citizen."""
        return {
            "type": "file",
            "sender": self.sender,
            "media": url,
            "size": size,
            "file_name": file_name,
        }

    async def _call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(payload, ensure_ascii=False).encode()
        if len(data) > MESSAGE_SIZE_LIMIT:
            raise ViberError(3, f"request of {len(data)} bytes is over Viber's 30 KB")
        try:
            session = self._open_session()
            async with session.post(
                f"{self._api_url}/{method}",
                data=data,
                headers={TOKEN_HEADER: self._token, "Content-Type": "application/json"},
            ) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ViberUnavailable(f"{method}: {type(error).__name__}") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("status"), int):
            raise ViberUnavailable(f"{method}: not an answer of the Viber API")
        status, status_message = answer["status"], str(answer.get("status_message", ""))
        if status == 0:
            return answer
        if status == TOO_MANY_REQUESTS:
            raise TooManyRequests(status, status_message)
        if status in NOT_REACHABLE:
            raise NotReachable(status, status_message)
        raise ViberError(status, status_message)

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session
