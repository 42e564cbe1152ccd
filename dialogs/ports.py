"""Where conversations are kept between events (a database table, shared by all instances)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.model import ChannelIdentity


@dataclass(frozen=True, slots=True)
class StoredConversation:
    data: str
    version: int


@dataclass(frozen=True, slots=True)
class Preferences:
    """The citizen's language and time zone, as their home (the citizens table) holds them."""

    language: str
    time_zone: str


@dataclass(frozen=True, slots=True)
class Loaded:
    conversation: StoredConversation | None
    preferences: Preferences | None
    """None: the citizen has no record yet."""


class ConversationStore(Protocol):
    async def load(self, identity: ChannelIdentity) -> Loaded:
        """The conversation and the citizen's preferences, in one read."""
        ...

    async def save(self, identity: ChannelIdentity, data: str, version: int | None) -> bool:
        """Saves if nobody saved since `version` was loaded (None: nothing was stored yet);
        False otherwise."""
        ...


class ManageLinks(Protocol):
    async def booking_for(self, token: str) -> int | None:
        """The booking an e-mailed manage link opens; None for a token nobody issued."""
        ...


class JoinLinks(Protocol):
    async def join_url(self, booking_id: int) -> str | None:
        """A video call's join link once its meeting exists; None before."""
        ...
