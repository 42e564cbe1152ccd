"""One citizen's events are handled one after the other; different citizens' in parallel.

`PerCitizen` orders them inside one process; `integrations.turns` across all instances, through
Redis or PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from domain.model import ChannelIdentity


class TurnLock(Protocol):
    def turn(self, identity: ChannelIdentity) -> AbstractAsyncContextManager[None]: ...


class PerCitizen:
    def __init__(self) -> None:
        self._locks: dict[ChannelIdentity, asyncio.Lock] = {}
        self._waiting: dict[ChannelIdentity, int] = {}

    @asynccontextmanager
    async def turn(self, identity: ChannelIdentity) -> AsyncIterator[None]:
        lock = self._locks.setdefault(identity, asyncio.Lock())
        self._waiting[identity] = self._waiting.get(identity, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[identity] -= 1
            if not self._waiting[identity]:
                del self._waiting[identity], self._locks[identity]
