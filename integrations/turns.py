"""One citizen's events handled one after the other across every instance of the bot: a lock
in Redis per citizen, held for the turn (the dialog's own lock keeps this process's events in
order before they ask Redis). Redis unreachable: each instance keeps its own order, with one
warning, rather than no citizen being answered."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from dialogs.one_at_a_time import PerCitizen
from domain.model import ChannelIdentity

log = logging.getLogger(__name__)

HOLD_S = 60
"""A turn takes milliseconds; a lock outlives a killed instance by at most this long."""
WAIT_S = 30


class SharedPerCitizen:
    def __init__(self, redis: Redis, prefix: str = "rantevou:turn:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._local = PerCitizen()
        self._warned = False

    @asynccontextmanager
    async def turn(self, identity: ChannelIdentity) -> AsyncIterator[None]:
        async with self._local.turn(identity):
            key = f"{self._prefix}{identity.channel}:{identity.user_id}"
            lock = self._redis.lock(key, timeout=HOLD_S, blocking_timeout=WAIT_S, sleep=0.005)
            try:
                acquired = await lock.acquire()
            except RedisError:
                self._warn()
                acquired = False
            try:
                yield
            finally:
                if acquired:  # expired meanwhile, or Redis went away: it expires by itself
                    with contextlib.suppress(LockError, RedisError):
                        await lock.release()

    def _warn(self) -> None:
        if not self._warned:
            log.warning("Redis is unreachable: citizens' turns are ordered per instance only")
            self._warned = True
