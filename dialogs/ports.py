"""Where conversations are kept between events (a database table, shared by all instances)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.model import ChannelIdentity


@dataclass(frozen=True, slots=True)
class StoredConversation:
    data: str
    version: int


class ConversationStore(Protocol):
    async def load(self, identity: ChannelIdentity) -> StoredConversation | None: ...

    async def save(self, identity: ChannelIdentity, data: str, version: int | None) -> bool:
        """Saves if nobody saved since `version` was loaded (None: nothing was stored yet);
        False otherwise."""
        ...


class ManageLinks(Protocol):
    async def booking_for(self, token: str) -> int | None:
        """The booking an e-mailed manage link opens; None for a token nobody issued."""
        ...
