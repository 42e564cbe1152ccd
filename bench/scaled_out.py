"""The bot scaled out: two `python -m bot web` processes sharing one PostgreSQL database and
Redis, the citizens' updates posted to their webhooks in turn (as a balancer would, so one
citizen's updates reach both and Redis keeps them in order), replies going to the local Bot API
server in its own process.

Two measurements:
- saturated: 100 citizens booking at once, each posting its next update as soon as the last was
  answered: updates a second;
- open loop: updates arriving at random (Poisson) at 150 a second whatever the answers, each
  taken by a citizen who is waiting to act, chosen at random (Arrivals); the latency of each
  from its arrival to its webhook's 200 (which comes after the reply is sent).

Telegram's pace is lifted in the processes (TELEGRAM_*_PER_SECOND), as in the rest of the
benchmark: it would measure Telegram's limit, not the bot.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import aiohttp

from bench.telegram_throughput import CITIZENS, SimulatedCitizen, _percentile, _wait_for_server
from integrations.settings import PROJECT_DIR
from tests.databases import separate_database
from tests.e2e.telegram_citizen import free_port
from tests.fake_telegram import FakeTelegram, SentMessage

PROCESSES = 2
OPEN_LOOP_PER_S = (150, 100, 60)
"""The target's 150 a second, and lighter loads for comparison on this 2-core machine, where
the citizens, the Bot API server, PostgreSQL and Redis share the cores with the bot."""
OPEN_LOOP_UPDATES = 1200
SECRET = "bench-" + "0" * 32
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class Arrivals:
    """Hands each arrival to one of the citizens waiting to act, chosen at random; while none
    is waiting, arrivals queue and the next citizen to be answered takes the oldest. Handed out
    in turn instead (a queue's waiters are served first come, first served), every citizen
    took its n-th step in the same second as all the others: 120 calendars of free days asked
    for at once, a burst that no crowd of people makes."""

    def __init__(self, chooser: random.Random) -> None:
        self._chooser = chooser
        self._waiting: list[asyncio.Future[float]] = []
        self._queued: deque[float] = deque()

    async def next(self) -> float:
        """The arrival time of this citizen's next update."""
        if self._queued:
            return self._queued.popleft()
        turn: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        return await turn

    def arrive(self, at: float) -> None:
        if self._waiting:
            self._waiting.pop(self._chooser.randrange(len(self._waiting))).set_result(at)
        else:
            self._queued.append(at)


class RemoteCitizen(SimulatedCitizen):
    """Posts to the webhooks in turn and reads what it was shown from the Bot API server."""

    def __init__(
        self,
        number: int,
        telegram: FakeTelegram,
        session: aiohttp.ClientSession,
        webhooks: list[str],
        arrivals: Arrivals | None = None,
        answered: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(number, telegram, _unused_feed)
        self.answered = answered
        self.session = session
        self.webhooks = webhooks
        self.arrivals = arrivals
        """Open loop: the arrival time of each update this citizen is to send."""
        self.shown = SentMessage(self.user_id, 0, "")
        self.sent = 0

    @property
    def text(self) -> str:
        return self.shown.text

    def choice_ids(self) -> list[str]:
        return [b["callback_data"] for row in self.shown.keyboard for b in row]

    async def choose(self, choice_id: str) -> None:
        update = self.telegram.press_update(self.user_id, self.shown.message_id, choice_id)
        await self._send(update)

    async def _send(self, update: dict[str, Any]) -> None:
        arrived = await self.arrivals.next() if self.arrivals else time.perf_counter()
        body = {"update_id": next(self.telegram._update_ids), **update}
        url = self.webhooks[self.sent % len(self.webhooks)]
        self.sent += 1
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with self.session.post(url, json=body, headers=headers) as response:
            if response.status != 200:
                raise RuntimeError(f"citizen {self.number}: webhook answered {response.status}")
        self.latencies.append((time.perf_counter() - arrived) * 1000)
        self.answered()
        screen_url = f"{self.telegram.base_url}/screens/{self.user_id}"
        async with self.session.get(screen_url) as response:
            shown = await response.json()
        message_id = int(shown["message_id"])
        self.shown = SentMessage(self.user_id, message_id, shown["text"], shown["keyboard"])
        self.telegram.messages[message_id] = self.shown  # press_update quotes the message


class EchoCitizen(RemoteCitizen):
    """Talks to the echo bot through the same harness: a message, then a press on the reply."""

    def __init__(self, *args: Any, updates: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.updates = updates

    async def book(self) -> None:
        for step in range(self.updates):
            if step % 2 == 0:
                await self._send(self.telegram.text_update(self.user_id, f"hello {step}"))
            else:
                await self.choose(f"x:{step}")


async def measure_echo_scaled_out(telegram: FakeTelegram, updates: int) -> float:
    """The bare aiogram echo bot in PROCESSES `web` processes (bench/echo_web.py) behind the
    same harness: the same number of updates, posted in turn, each screen read back. Updates a
    second."""
    ports = [free_port() for _ in range(PROCESSES)]
    processes = [_start_echo(port, telegram) for port in ports]
    try:
        for port in ports:
            await _wait_for_server(f"http://127.0.0.1:{port}/health")
        webhooks = [f"http://127.0.0.1:{port}/telegram/webhook" for port in ports]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            citizens = [
                EchoCitizen(40_000 + n, telegram, session, webhooks, updates=updates // CITIZENS)
                for n in range(CITIZENS)
            ]
            started = time.perf_counter()
            await asyncio.gather(*(c.book() for c in citizens))
            elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await asyncio.to_thread(process.wait)
    answered = sum(len(c.latencies) for c in citizens)
    rate = answered / elapsed
    print(
        f"echo bot, {PROCESSES} web processes: {answered} updates from {CITIZENS} citizens at "
        f"once in {elapsed:.2f} s = {rate:.0f} updates/s"
    )
    return rate


def _start_echo(port: int, telegram: FakeTelegram) -> subprocess.Popen[bytes]:
    arguments = [str(port), telegram.base_url, telegram.token, SECRET]
    return subprocess.Popen(
        [sys.executable, "-m", "bench.echo_web", *arguments],
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _unused_feed(_update: dict[str, Any]) -> None:
    raise AssertionError("remote citizens post to the webhooks")


def _start(command: str, environment: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", command],
        cwd=PROJECT_DIR,
        env={**os.environ, **environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def measure_scaled_out(telegram: FakeTelegram) -> dict[str, float]:
    """`telegram`: builds the updates; its server runs in another process at its port."""
    async with separate_database() as url:
        environment = {
            "DATABASE_URL": url,
            "BOT_TOKEN": telegram.token,
            "TELEGRAM_API_URL": telegram.base_url,
            "WEBHOOK_SECRET": SECRET,
            "REDIS_URL": REDIS_URL,
            "HOST": "127.0.0.1",
            "TELEGRAM_MESSAGES_PER_SECOND": "1000000",
            "TELEGRAM_CHAT_MESSAGES_PER_SECOND": "1000000",
        }
        migrate = _start("migrate", environment)
        if await asyncio.to_thread(migrate.wait) != 0:
            raise RuntimeError("the migration failed")
        ports = [free_port() for _ in range(PROCESSES)]
        processes = [_start("web", environment | {"PORT": str(port)}) for port in ports]
        try:
            for port in ports:
                await _wait_for_server(f"http://127.0.0.1:{port}/health")
            webhooks = [f"http://127.0.0.1:{port}/telegram/webhook" for port in ports]
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as session:
                saturated = await _saturated(telegram, session, webhooks)
                open_loop: dict[str, float] = {}
                for number, rate in enumerate(OPEN_LOOP_PER_S):
                    first = 20_000 + 10_000 * number
                    open_loop |= await _open_loop(telegram, session, webhooks, rate, first)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                await asyncio.to_thread(process.wait)
    return saturated | open_loop


async def _saturated(
    telegram: FakeTelegram, session: aiohttp.ClientSession, webhooks: list[str]
) -> dict[str, float]:
    citizens = [RemoteCitizen(10_000 + n, telegram, session, webhooks) for n in range(CITIZENS)]
    started = time.perf_counter()
    await asyncio.gather(*(c.book() for c in citizens))
    elapsed = time.perf_counter() - started
    latencies = [ms for c in citizens for ms in c.latencies]
    rate = len(latencies) / elapsed
    print(
        f"PostgreSQL, {PROCESSES} web processes: {len(latencies)} updates from {CITIZENS} "
        f"citizens at once in {elapsed:.2f} s = {rate:.0f} updates/s; "
        f"p99 {_percentile(latencies, 99):.1f} ms"
    )
    return {"two_processes_rate": rate, "two_processes_updates": len(latencies)}


async def _open_loop(
    telegram: FakeTelegram,
    session: aiohttp.ClientSession,
    webhooks: list[str],
    per_s: int,
    first: int,
) -> dict[str, float]:
    arrivals = Arrivals(random.Random(per_s))
    count = [0]
    all_answered = asyncio.Event()

    def answered() -> None:
        count[0] += 1
        if count[0] >= OPEN_LOOP_UPDATES:
            all_answered.set()

    citizens = [
        RemoteCitizen(first + n, telegram, session, webhooks, arrivals, answered)
        for n in range(OPEN_LOOP_UPDATES // 10)
    ]
    booking = [asyncio.create_task(c.book()) for c in citizens]
    chooser = random.Random(11)
    started = time.perf_counter()
    due = started
    for _ in range(OPEN_LOOP_UPDATES):
        due += chooser.expovariate(per_s)
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        arrivals.arrive(due)
    async with asyncio.timeout(120):
        await all_answered.wait()
    offered = OPEN_LOOP_UPDATES / (due - started)
    for task in booking:
        task.cancel()
    await asyncio.gather(*booking, return_exceptions=True)
    latencies = [ms for c in citizens for ms in c.latencies]
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    print(
        f"PostgreSQL, {PROCESSES} web processes, open loop: {offered:.0f} updates/s arriving "
        f"at random; {len(latencies)} answered; p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    return {f"open_{per_s}_p50": p50, f"open_{per_s}_p99": p99, f"open_{per_s}_rate": offered}
