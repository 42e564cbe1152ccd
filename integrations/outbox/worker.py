"""The outbox worker: claims due notifications, hands each kind to its deliverer, records how
it went. At least once: a notification is marked delivered only after it was delivered.

Failures are retried with exponential backoff; after `max_attempts` a notification is parked
and the staff group told. When asked to stop, the worker finishes what it has started and gives
back what it has not.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from domain.notifications import Kind
from integrations.db.outbox import OutboxRow, SqlOutbox
from integrations.delivery import DeliveryFailed, RetryLater, Undeliverable
from integrations.metrics import DELIVERIES

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Done:
    pass


@dataclass(frozen=True, slots=True)
class Drop:
    """Nothing to deliver any more: the booking moved on."""


@dataclass(frozen=True, slots=True)
class Later:
    """Not now, and not a failure (a pace to keep)."""

    at: datetime


@dataclass(frozen=True, slots=True)
class Failed:
    error: str
    final: bool = False


@dataclass(frozen=True, slots=True)
class NotStarted:
    """The worker is stopping."""


Outcome = Done | Drop | Later | Failed | NotStarted
DONE = Done()


Report = Callable[[OutboxRow, Outcome], Awaitable[None]]


class Deliverer(Protocol):
    async def deliver(self, rows: Sequence[OutboxRow], report: Report) -> None:
        """Reports how each row went as soon as it is known: a row delivered is recorded
        before the next is finished, so a worker killed mid-batch sends it only once."""
        ...


class OneByOne:
    """Delivers rows one each, up to `at_once` at the same time. `deliver_one` returns None
    when done, or an outcome; it raises DeliveryFailed or Undeliverable."""

    def __init__(
        self,
        deliver_one: Callable[[OutboxRow], Awaitable[Outcome | None]],
        stopping: asyncio.Event,
        *,
        at_once: int = 4,
        timeout_s: float = 60.0,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._clock = clock
        self._deliver_one = deliver_one
        self._stopping = stopping
        self._slots = asyncio.Semaphore(at_once)
        self._timeout_s = timeout_s

    async def deliver(self, rows: Sequence[OutboxRow], report: Report) -> None:
        async def one(row: OutboxRow) -> None:
            await report(row, await self._one(row))

        await asyncio.gather(*(one(row) for row in rows))

    async def _one(self, row: OutboxRow) -> Outcome:
        async with self._slots:
            if self._stopping.is_set():
                return NotStarted()
            try:
                async with asyncio.timeout(self._timeout_s):
                    return await self._deliver_one(row) or DONE
            except Undeliverable as error:
                return Failed(str(error), final=True)
            except RetryLater as error:
                log.info("%s: %s; again in %s", row.key, error, error.delay)
                return Later(self._clock() + error.delay)
            except DeliveryFailed as error:
                return Failed(str(error))
            except TimeoutError:
                return Failed("timed out")
            except Exception as error:  # a library's error may quote an address: name only
                log.exception("delivering %s failed unexpectedly", row.key)
                return Failed(type(error).__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=30)
    longest_delay: timedelta = timedelta(hours=1)
    max_attempts: int = 8
    """About four hours of trying with the defaults."""

    def next_try(self, attempts: int, now: datetime) -> datetime:
        delay: timedelta = min(self.first_delay * 2 ** (attempts - 1), self.longest_delay)
        return now + delay * random.uniform(1.0, 1.1)  # spread retries of a burst apart


@dataclass(frozen=True, slots=True)
class WorkerTuning:
    """How a worker paces itself; the defaults serve production."""

    retry: RetryPolicy = RetryPolicy()
    lease: timedelta = timedelta(minutes=5)
    batch_size: int = 50
    idle_wait_s: float = 1.0
    """How long an idle worker waits before it looks for due notifications again."""


class OutboxWorker:
    def __init__(
        self,
        outbox: SqlOutbox,
        deliverers: Mapping[Kind, Deliverer],
        *,
        stopping: asyncio.Event | None = None,
        retry: RetryPolicy = RetryPolicy(),
        lease: timedelta = timedelta(minutes=5),
        batch_size: int = 50,
        idle_wait_s: float = 1.0,
        clock: Clock = lambda: datetime.now(UTC),
        on_stop: Sequence[Callable[[], Awaitable[None]]] = (),
        background: Sequence[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = (),
    ) -> None:
        """`background`: jobs that run beside the deliveries until `stopping` is set (reading
        the staff's free/busy)."""
        self._background = background
        self._on_stop = on_stop
        self._outbox = outbox
        self._deliverers = deliverers
        self.stopping = stopping or asyncio.Event()
        self._retry = retry
        self._lease = lease
        self._batch_size = batch_size
        self._idle_wait_s = idle_wait_s
        self._clock = clock

    async def run(self) -> None:
        """Until `stopping` is set; what was started is finished first."""
        log.info("outbox worker started")
        jobs: list[asyncio.Task[None]] = [
            asyncio.create_task(job(self.stopping)) for job in self._background
        ]
        try:
            while not self.stopping.is_set():
                try:
                    handled = await self.run_once()
                except Exception:  # the database went away, say: try again shortly
                    log.exception("outbox worker: a round failed")
                    handled = 0
                if handled == 0:
                    await self._sleep(self._idle_wait_s)
        finally:
            self.stopping.set()
            await asyncio.gather(*jobs, return_exceptions=True)
            for close in self._on_stop:
                await close()
        log.info("outbox worker stopped")

    async def run_once(self) -> int:
        """One round: claims due rows, delivers them, records each outcome as it comes.
        Returns how many rows were claimed."""
        rows = await self._outbox.claim(
            self._clock(), self._batch_size, self._lease, self._deliverers.keys()
        )
        if not rows:
            return 0
        by_kind: dict[Kind, list[OutboxRow]] = defaultdict(list)
        for row in rows:
            by_kind[row.kind].append(row)
        reported: set[int] = set()

        async def report(row: OutboxRow, outcome: Outcome) -> None:
            reported.add(row.id)
            await self._record(row, outcome)

        await asyncio.gather(
            *(self._deliverers[kind].deliver(group, report) for kind, group in by_kind.items())
        )
        await self._outbox.release([row for row in rows if row.id not in reported])
        return len(rows)

    async def _record(self, row: OutboxRow, outcome: Outcome) -> None:
        now = self._clock()
        match outcome:
            case Done():
                await self._outbox.done([row], now)
                DELIVERIES.labels(row.kind.value, "done").inc()
            case Drop():
                await self._outbox.drop([row], now)
                DELIVERIES.labels(row.kind.value, "dropped").inc()
            case NotStarted():
                await self._outbox.release([row])
            case Later(at):
                await self._outbox.later([row], at)
            case Failed(error, final):
                await self._failed(row, error, final, now)

    async def _failed(self, row: OutboxRow, error: str, final: bool, now: datetime) -> None:
        if final or row.attempts >= self._retry.max_attempts:
            log.warning("%s given up after %d attempts: %s", row.key, row.attempts, error)
            await self._outbox.park(row, now, error)
            DELIVERIES.labels(row.kind.value, "parked").inc()
        else:
            log.info("%s failed (attempt %d): %s", row.key, row.attempts, error)
            await self._outbox.retry(row, self._retry.next_try(row.attempts, now), error)
            DELIVERIES.labels(row.kind.value, "retry").inc()

    async def _sleep(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self.stopping.wait()
        except TimeoutError:
            pass
