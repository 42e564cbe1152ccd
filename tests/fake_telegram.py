"""A small local server that speaks the Telegram Bot API, as documented at
core.telegram.org/bots/api, for the calls the bot makes: getMe, getUpdates (long poll with
`timeout` and `offset`), sendMessage, sendPhoto, sendDocument (multipart uploads),
editMessageText, editMessageReplyMarkup, answerCallbackQuery, setMyCommands (with scopes),
setWebhook, deleteWebhook.

Tests queue updates as a citizen would cause them and read what the bot sent back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ARRIVED = "__arrived__"
"""Given to each method's handler with the parameters: when the request reached the server
(time.monotonic()), before its body was read."""
BOT_USER = {"id": 777000, "is_bot": True, "first_name": "Rantevou", "username": "rantevou_bot"}


@dataclass
class SentMessage:
    chat_id: int
    message_id: int
    text: str
    keyboard: list[list[dict[str, str]]] = field(default_factory=list)

    def as_api(self) -> dict[str, Any]:
        chat_type = "private" if self.chat_id > 0 else "supergroup"
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": chat_type},
            "from": BOT_USER,
            "text": self.text,
        }
        if self.keyboard:
            message["reply_markup"] = {"inline_keyboard": self.keyboard}
        return message


@dataclass
class UploadedFile:
    method: str
    chat_id: int
    filename: str
    content: bytes
    caption: str


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.messages: dict[int, SentMessage] = {}
        self.screens: dict[int, int] = {}
        """Per chat, the message that holds what the citizen sees now."""
        self.screen_changes: dict[int, int] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        """Default scope: by language code ("" for all)."""
        self.scoped_commands: dict[tuple[str, int, int, str], list[str]] = {}
        """(scope type, chat id, user id, language) → command names."""
        self.files: list[UploadedFile] = []
        self._updates: list[dict[str, Any]] = []
        self._confirmed = 0
        self._new_update = asyncio.Event()
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._closing = False
        self.delivered: list[dict[str, Any]] = []
        self.sent_at: list[tuple[int, float]] = []
        """(chat id, time.monotonic() at arrival) of every sendMessage and editMessageText."""
        self.answer_delay_s = 0.0
        """How long each sendMessage takes to be answered after it arrived (a far server)."""
        self.blocked_by: set[int] = set()
        """Chats whose user blocked the bot: sendMessage gets 403."""
        self.answer_with_retry_after: dict[str, int] = {}
        self.retry_after_every = 0
        """When set, every n-th call gets 429 with retry_after=1, as Telegram's flood control."""
        """method → how many of its next calls get 429 with retry_after=1."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        application = web.Application()
        application.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(application)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._closing = True
        self._new_update.set()  # wake long polls still waiting, so shutdown is quick
        if self._runner:
            await self._runner.cleanup()

    # What a citizen does.

    def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        self._new_update.set()
        return update_id

    def push_again(self, update_id: int) -> None:
        """Telegram delivering the same update a second time."""
        original = next(u for u in self.delivered if u["update_id"] == update_id)
        self._updates.append(original)
        self._new_update.set()

    @staticmethod
    def user(user_id: int, language: str = "el") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Πολίτης", "language_code": language}

    def text_update(
        self,
        user_id: int,
        text: str,
        language: str = "el",
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """`chat_id`: a group's (negative) id, for a message in the group; `reply_to`: the id of
        a message the bot sent, which this one answers."""
        chat = {"id": user_id, "type": "private"}
        if chat_id is not None and chat_id != user_id:
            chat = {"id": chat_id, "type": "supergroup", "title": "Staff"}
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id, language),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            message["reply_to_message"] = self.messages[reply_to].as_api()
        return {"message": message}

    def press_update(self, user_id: int, message_id: int, data: str) -> dict[str, Any]:
        return {
            "callback_query": {
                "id": str(next(self._ids)),
                "from": self.user(user_id),
                "chat_instance": f"ci-{user_id}",
                "data": data,
                "message": self.messages[message_id].as_api(),
            }
        }

    async def wait_for_screen(self, chat_id: int, after: int, seconds: float = 15) -> SentMessage:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self.screen_changes.get(chat_id, 0) > after),
                seconds,
            )
        return self.messages[self.screens[chat_id]]

    async def wait_for_call(self, method: str, seconds: float = 15) -> None:
        try:
            async with self._changed:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: any(m == method for m, _ in self.calls)),
                    seconds,
                )
        except TimeoutError:
            raise TimeoutError(f"the bot never called {method}") from None

    # The Bot API.

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()  # Telegram counts a message when it arrives
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        async with self._changed:
            self._changed.notify_all()
        flood = self.retry_after_every and len(self.calls) % self.retry_after_every == 0
        if self.answer_with_retry_after.get(method) or flood:
            if not flood:
                self.answer_with_retry_after[method] -= 1
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status=429,
            )
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._error(404, f"Not Found: method {method} not found")
        response: web.Response = await handler({**params, ARRIVED: arrived})
        return response

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        data = dict(await request.post())
        data.update(request.query)
        params: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, str):
                params[key] = value
            elif isinstance(value, web.FileField):  # an upload: sendPhoto, sendDocument
                params[key] = (value.filename, value.file.read())
        return params

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": status, "description": description}, status=status
        )

    async def _api_getMe(self, params: dict[str, Any]) -> web.Response:
        return self._ok(BOT_USER)

    async def _api_getUpdates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout and not self._closing:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        result = list(self._updates)
        self.delivered.extend(result)
        return self._ok(result)

    async def _changed_screen(self, chat_id: int, message_id: int) -> None:
        async with self._changed:
            self.screens[chat_id] = message_id
            self.screen_changes[chat_id] = self.screen_changes.get(chat_id, 0) + 1
            self._changed.notify_all()

    @staticmethod
    def _keyboard(params: dict[str, Any]) -> list[list[dict[str, str]]]:
        markup = params.get("reply_markup")
        if not markup:
            return []
        value = json.loads(markup) if isinstance(markup, str) else markup
        return list(value.get("inline_keyboard", []))

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.messages.values() if m.chat_id == chat_id]

    async def _api_sendMessage(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked_by:
            return self._error(403, "Forbidden: bot was blocked by the user")
        self.sent_at.append((chat_id, params[ARRIVED]))
        if self.answer_delay_s:
            await asyncio.sleep(self.answer_delay_s)
        text = str(params.get("text", ""))
        if not text or len(text) > 4096:
            return self._error(400, "Bad Request: message text is empty or too long")
        message = SentMessage(chat_id, next(self._ids), text, self._keyboard(params))
        self.messages[message.message_id] = message
        await self._changed_screen(chat_id, message.message_id)
        return self._ok(message.as_api())

    async def _api_editMessageText(self, params: dict[str, Any]) -> web.Response:
        message = self.messages.get(int(params["message_id"]))
        if message is None:
            return self._error(400, "Bad Request: message to edit not found")
        text, keyboard = str(params["text"]), self._keyboard(params)
        if text == message.text and keyboard == message.keyboard:
            return self._error(400, "Bad Request: message is not modified")
        message.text, message.keyboard = text, keyboard
        self.sent_at.append((message.chat_id, params[ARRIVED]))
        await self._changed_screen(message.chat_id, message.message_id)
        return self._ok(message.as_api())

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> web.Response:
        message = self.messages.get(int(params["message_id"]))
        if message is None:
            return self._error(400, "Bad Request: message to edit not found")
        message.keyboard = self._keyboard(params)
        await self._changed_screen(message.chat_id, message.message_id)
        return self._ok(message.as_api())

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        self.callback_answers.append(params)
        return self._ok(True)

    async def _api_setMyCommands(self, params: dict[str, Any]) -> web.Response:
        commands = params.get("commands", "[]")
        language = str(params.get("language_code") or "")
        listed = json.loads(commands) if isinstance(commands, str) else commands
        scope = params.get("scope")
        scope = json.loads(scope) if isinstance(scope, str) else scope
        if not scope or scope.get("type") == "default":
            self.commands[language] = listed
        else:
            key = (scope["type"], int(scope["chat_id"]), int(scope.get("user_id", 0)), language)
            self.scoped_commands[key] = [c["command"] for c in listed]
        return self._ok(True)

    def commands_for(self, chat_id: int, user_id: int, language: str = "el") -> list[str]:
        """The menu a user sees in a chat, as Telegram resolves scopes (narrowest first)."""
        for key in (
            ("chat_member", chat_id, user_id, language),
            ("chat_member", chat_id, user_id, ""),
            ("chat", chat_id, 0, language),
            ("chat", chat_id, 0, ""),
        ):
            if key in self.scoped_commands:
                return self.scoped_commands[key]
        return [c["command"] for c in self.commands.get(language, self.commands.get("", []))]

    async def _upload(self, method: str, field: str, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        upload = params.get(field)
        if isinstance(upload, str) and upload.startswith("attach://"):
            upload = params.get(upload.removeprefix("attach://"))
        if not isinstance(upload, tuple):
            return self._error(400, f"Bad Request: there is no {field} in the request")
        filename, content = upload
        caption = str(params.get("caption", ""))
        self.files.append(UploadedFile(method, chat_id, filename, content, caption))
        message = SentMessage(chat_id, next(self._ids), caption)
        self.messages[message.message_id] = message
        file = {"file_id": f"f{message.message_id}", "file_unique_id": f"u{message.message_id}"}
        if field == "photo":
            shown: Any = [file | {"width": 1000, "height": 400}]
        else:
            shown = file | {"file_name": filename}
        async with self._changed:
            self._changed.notify_all()
        return self._ok(message.as_api() | {field: shown})

    async def wait_for_file(self, chat_id: int, count: int = 1, seconds: float = 15) -> None:
        """Until `count` files have been sent to this chat."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(
                    lambda: sum(1 for f in self.files if f.chat_id == chat_id) >= count
                ),
                seconds,
            )

    async def _api_sendPhoto(self, params: dict[str, Any]) -> web.Response:
        return await self._upload("sendPhoto", "photo", params)

    async def _api_sendDocument(self, params: dict[str, Any]) -> web.Response:
        return await self._upload("sendDocument", "document", params)

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _api_setWebhook(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _api_close(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)


async def _serve(port: int) -> None:
    """`python -m tests.fake_telegram PORT`: the server on its own, in its own process (the
    throughput benchmark keeps it off the bot's core, as Telegram's servers would be)."""
    import signal

    server = FakeTelegram()
    application = web.Application()
    application.router.add_route("*", "/bot{token}/{method}", server._handle)

    async def screen(request: web.Request) -> web.Response:
        """What one chat shows now, for a benchmark's citizens in another process."""
        chat_id = int(request.match_info["chat_id"])
        if chat_id not in server.screens:
            return web.json_response({"message_id": 0, "text": "", "keyboard": []})
        shown = server.messages[server.screens[chat_id]]
        return web.json_response(
            {"message_id": shown.message_id, "text": shown.text, "keyboard": shown.keyboard}
        )

    application.router.add_get("/screens/{chat_id}", screen)
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signal_number, stop.set)
    await stop.wait()
    server._closing = True
    server._new_update.set()
    await runner.cleanup()


if __name__ == "__main__":
    import sys

    asyncio.run(_serve(int(sys.argv[1])))
