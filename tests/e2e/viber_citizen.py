"""A citizen on Viber, as the local Viber stand-in sees them: they read the last message and
press its keyboard's buttons by their labels (Viber then sends the button's ActionBody as their
message), or type. The bot handles a callback before it answers, so its replies are there when
the post returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fake_viber import FakeViber, ViberMessage


@dataclass
class ViberCitizen:
    viber: FakeViber
    user_id: str
    language: str = "el"
    welcome: dict[str, Any] | None = None
    last: ViberMessage | None = None

    @property
    def screen(self) -> ViberMessage:
        assert self.last is not None, "nothing on screen yet"
        return self.last

    @property
    def text(self) -> str:
        return self.screen.text

    def buttons(self) -> list[dict[str, Any]]:
        return [b for b in self.screen.buttons if b["ActionType"] == "reply"]

    def labels(self) -> list[str]:
        return [b["Text"] for b in self.buttons()]

    async def open(self, context: str | None = None) -> dict[str, Any]:
        """Opens the chat (perhaps through a link with a context); returns the welcome
        message Viber shows."""
        callback = self.viber.conversation_started(self.user_id, context)
        status, self.welcome = await self.viber.post_callback(callback)
        assert status == 200
        assert self.welcome is not None
        buttons = self.welcome.get("keyboard", {}).get("Buttons", [])
        self.last = ViberMessage(self.user_id, self.welcome["text"], buttons)
        return self.welcome

    async def say(self, text: str) -> ViberMessage:
        status, _ = await self.viber.post_callback(
            self.viber.message(self.user_id, text, self.language)
        )
        assert status == 200
        self.last = self.viber.sent_to(self.user_id)[-1]
        return self.last

    async def press(self, label: str) -> ViberMessage:
        buttons = self.buttons()
        found = [b for b in buttons if b["Text"] == label] or [
            b for b in buttons if label in b["Text"]
        ]
        assert found, f"no button {label!r} in {self.labels()}"
        return await self.say(found[0]["ActionBody"])

    async def press_first(self, body_part: str) -> ViberMessage:
        body = next(b["ActionBody"] for b in self.buttons() if body_part in b["ActionBody"])
        return await self.say(body)
