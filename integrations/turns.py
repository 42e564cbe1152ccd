"""One citizen's events handled one after the other across every instance of the bot: a lock
per citizen, held for the turn, in Redis when there is one, else in PostgreSQL (the dialog's own
lock keeps this process's events in order before they ask). The shared lock unreachable: each
instance keeps its own order, with one warning, rather than no citizen being answered."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError
from sqlalchemy import TextClause, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.one_at_a_time import PerCitizen
from domain.model import ChannelIdentity
from integrations.db.engine import create_engine

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


_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
TRY_AGAIN_S = 0.005
APPLICATION = "rantevou-turns"
"""How the lock's connections are named in pg_stat_activity."""


class PostgresPerCitizen:
    """The same across instances through PostgreSQL's advisory locks, for instances that share
    PostgreSQL but no Redis. One connection of this process's own holds its citizens' locks:
    session locks, so that a killed instance's locks go with its connection. A turn asks with
    pg_try_advisory_lock, again every few milliseconds while another instance holds it, so that
    one citizen's wait never holds the connection up for the others. PostgreSQL unreachable:
    each instance keeps its own order, with one warning."""

    def __init__(self, url: str, prefix: str = "rantevou:turn:") -> None:
        """`url`: the DATABASE_URL (its own engine, one connection, outside the pool's count)."""
        self._engine = create_engine(
            url, pool_size=1, connect_args={"server_settings": {"application_name": APPLICATION}}
        )
        self._prefix = prefix
        self._local = PerCitizen()
        self._connection: AsyncConnection | None = None
        self._using_connection = asyncio.Lock()
        self._warned = False

    @asynccontextmanager
    async def turn(self, identity: ChannelIdentity) -> AsyncIterator[None]:
        async with self._local.turn(identity):
            key = lock_key(f"{self._prefix}{identity.channel}:{identity.user_id}")
            acquired = await self._acquire(key)
            try:
                yield
            finally:
                if acquired:
                    await self._ask(_UNLOCK, key)

    async def close(self) -> None:
        async with self._using_connection:
            if self._connection is not None:
                await self._connection.close()
                self._connection = None
        await self._engine.dispose()

    async def _acquire(self, key: int) -> bool:
        """False when PostgreSQL failed (the turn goes on, in this instance's order only)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            taken = await self._ask(_TRY_LOCK, key)
            if taken is None:
                return False
            if taken or time.monotonic() > deadline:
                return taken
            await asyncio.sleep(TRY_AGAIN_S)

    async def _ask(self, statement: TextClause, key: int) -> bool | None:
        """None when PostgreSQL failed. A connection that was open is tried once more, anew:
        PostgreSQL restarted or a firewall dropped it while idle, and no turn need go unlocked."""
        async with self._using_connection:
            for fresh in (self._connection is None, True):
                try:
                    connection = await self._connected()
                    return bool((await connection.execute(statement, {"key": key})).scalar())
                except (SQLAlchemyError, OSError):
                    await self._drop_connection()
                    if fresh:
                        break
            self._warn()
            return None

    async def _connected(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self._engine.connect()
            self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    async def _drop_connection(self) -> None:
        """Its locks are gone with it; the next turn connects again."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.invalidate()
            self._connection = None

    def _warn(self) -> None:
        if not self._warned:
            log.warning(
                "PostgreSQL's locks are unreachable: citizens' turns are ordered per instance only"
            )
            self._warned = True


def lock_key(name: str) -> int:
    """A name as the signed 64-bit number PostgreSQL's advisory locks take."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), signed=True)
