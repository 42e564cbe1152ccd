"""Keeping to a rate: `rate` events a second, at most `burst` at once, per key.

`LocalPace` keeps the count in this process. `SharedPace` keeps it in Redis, so that several
instances of the bot together stay within one limit (Telegram's 30 messages a second is per bot,
not per process). `SharedOrLocal` uses Redis while it answers and this process's own count while
it does not, so that a Redis outage stops no reply. Each caller reserves its turn and then waits
for it, so callers are served in order and the rate holds however many wait at once.
`Answered` holds a count as the far end sees it, from when each request was answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import NamedTuple, Protocol, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Rate(NamedTuple):
    key: str
    per_second: float
    burst: float = 1


class Pace(Protocol):
    async def wait_all(self, rates: Sequence[Rate]) -> None:
        """A turn under each rate, each no earlier than the one before it (a chat's turn, then
        the bot's overall one): one reservation for them all, one round trip to Redis."""
        ...

    async def try_now(self, key: str, rate: float, burst: float) -> float:
        """Takes a turn if one is free now and returns 0; otherwise returns the seconds until
        one is, and takes nothing (for callers that gather what waits rather than wait)."""
        ...


class LocalPace:
    _FORGET_AFTER = 10_000

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`clock`: seconds, only ever going forward; `sleep` lets them pass."""
        self._clock = clock
        self._sleep = sleep
        self._next_free: dict[str, float] = {}
        """Per key, the theoretical time of the next event at the steady rate."""

    async def wait_all(self, rates: Sequence[Rate]) -> None:
        now = self._clock()
        if len(self._next_free) > self._FORGET_AFTER:
            self._next_free = {k: t for k, t in self._next_free.items() if t > now}
        # GCRA: an event may go while each key's theoretical time is at most `burst - 1`
        # intervals ahead of it; going moves each key's theoretical time on by one interval
        # from when it goes (a chat's next message is then an interval after this one leaves,
        # however long it waited for the overall turn).
        goes = now
        for key, rate, burst in rates:
            goes = max(goes, self._next_free.get(key, now) - (burst - 1) / rate)
        for key, rate, _ in rates:
            self._next_free[key] = max(self._next_free.get(key, now), goes) + 1 / rate
        if goes > now:
            await self._sleep(goes - now)

    async def try_now(self, key: str, rate: float, burst: float) -> float:
        now = self._clock()
        interval = 1 / rate
        theoretical = max(self._next_free.get(key, now), now)
        delay = theoretical - (burst - 1) * interval - now
        if delay > 0:
            return delay
        self._next_free[key] = theoretical + interval
        return 0.0


_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local goes = now
local theoretical = {}
for i, key in ipairs(KEYS) do
  local interval = 1 / tonumber(ARGV[2 * i - 1])
  theoretical[i] = math.max(tonumber(redis.call('GET', key) or '0'), now)
  goes = math.max(goes, theoretical[i] - (tonumber(ARGV[2 * i]) - 1) * interval)
end
for i, key in ipairs(KEYS) do
  local following = math.max(theoretical[i], goes) + 1 / tonumber(ARGV[2 * i - 1])
  redis.call('SET', key, string.format('%.6f', following), 'PX',
             math.ceil((following - now) * 1000) + 1000)
end
return string.format('%.6f', goes - now)
"""
"""The same GCRA as LocalPace.wait_all, atomic in Redis, on Redis's clock (instances' clocks may
differ)."""

_TRY = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local interval = 1 / tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local theoretical = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local delay = theoretical - (burst - 1) * interval - now
if delay > 0 then
  return string.format('%.6f', delay)
end
local following = theoretical + interval
redis.call('SET', KEYS[1], string.format('%.6f', following), 'PX',
           math.ceil((following - now) * 1000) + 1000)
return '0'
"""


class SharedPace:
    def __init__(self, redis: Redis, prefix: str = "rantevou:pace:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._reserve = redis.register_script(_RESERVE)
        self._try = redis.register_script(_TRY)

    async def wait_all(self, rates: Sequence[Rate]) -> None:
        keys = [self._prefix + rate.key for rate in rates]
        args = [number for rate in rates for number in (rate.per_second, rate.burst)]
        delay = float(await self._reserve(keys=keys, args=args))
        if delay > 0:
            await asyncio.sleep(delay)

    async def try_now(self, key: str, rate: float, burst: float) -> float:
        return float(await self._try(keys=[self._prefix + key], args=[rate, burst]))


class SharedOrLocal:
    """SharedPace while Redis answers; LocalPace, with one warning, while it does not. Redis is
    asked again `retry_after_s` after it failed (each instance then keeps the limit alone, so
    several instances together may exceed it until Redis is back)."""

    def __init__(
        self,
        shared: Pace,
        local: Pace | None = None,
        retry_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._shared = shared
        self._local = local or LocalPace()
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._failed_at: float | None = None

    async def wait_all(self, rates: Sequence[Rate]) -> None:
        await self._either(lambda pace: pace.wait_all(rates))

    async def try_now(self, key: str, rate: float, burst: float) -> float:
        return await self._either(lambda pace: pace.try_now(key, rate, burst))

    async def _either(self, call: Callable[[Pace], Awaitable[T]]) -> T:
        if self._failed_at is not None and self._clock() - self._failed_at < self._retry_after_s:
            return await call(self._local)
        try:
            result = await call(self._shared)
        except (RedisError, OSError):
            if self._failed_at is None:
                log.warning("Redis is unreachable: Telegram's pace is kept per instance only")
            self._failed_at = self._clock()
            return await call(self._local)
        if self._failed_at is not None:
            log.warning("Redis answers again: Telegram's pace is shared by the instances")
            self._failed_at = None
        return result


class Answered:
    """At most `limit` of one key's requests in any `period` seconds as the far end counts them,
    whenever between sending and answering it stamps each: a request goes only once the one
    `limit` places before it was answered `period` seconds ago. A pace spaces the starts, but the
    network and a busy event loop can bring two starts closer at the far end; counting from the
    answer cannot be undone by them. In this process only (one citizen's turns are one at a time
    across instances, and the shared pace keeps its margin)."""

    _FORGET_AFTER = 10_000

    def __init__(self, limit: int, period: float) -> None:
        self._limit, self._period = limit, period
        self._keys: dict[str, _Requests] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        if len(self._keys) > self._FORGET_AFTER:
            self._forget_quiet_keys()
        requests = self._keys.setdefault(key, _Requests(self._limit))
        requests.users += 1
        try:
            async with requests.lock:
                if len(requests.answered) == self._limit:
                    answered_at = await self._answer_to(requests.answered[0])
                    wait = answered_at + self._period - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                mine: asyncio.Future[float] = asyncio.get_running_loop().create_future()
                requests.answered.append(mine)
            try:
                yield
            finally:
                mine.set_result(time.monotonic())
        finally:
            requests.users -= 1

    async def _answer_to(self, request: asyncio.Future[float]) -> float:
        """When the request was answered; one still unanswered after a period counts as
        answered then, so that a request hanging until its timeout holds the others up once,
        for two periods at most, rather than for as long as it hangs."""
        try:
            return await asyncio.wait_for(asyncio.shield(request), self._period)
        except TimeoutError:
            return time.monotonic()

    def _forget_quiet_keys(self) -> None:
        quiet_since = time.monotonic() - self._period
        self._keys = {
            key: requests
            for key, requests in self._keys.items()
            if requests.users
            or not all(
                answer.done() and answer.result() < quiet_since for answer in requests.answered
            )
        }


class _Requests:
    def __init__(self, limit: int) -> None:
        self.lock = asyncio.Lock()
        self.answered: deque[asyncio.Future[float]] = deque(maxlen=limit)
        """When each of the last `limit` requests was answered (pending while in flight)."""
        self.users = 0
