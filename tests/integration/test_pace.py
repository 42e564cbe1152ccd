"""Keeping Telegram's pace: a burst, then the steady rate — in one process, and shared through
the machine's Redis by several instances of the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from redis.asyncio import ConnectionPool, Redis
from redis.exceptions import RedisError

from bot.telegram.delivery import Delivery
from integrations.pace import Answered, LocalPace, Rate, SharedOrLocal, SharedPace
from tests.e2e.telegram_citizen import free_port
from tests.fake_telegram import FakeTelegram


async def _times(
    pace: LocalPace | SharedPace, key: str, events: int, rate: float, burst: float
) -> list[float]:
    started = time.monotonic()
    stamps = []
    for _ in range(events):
        await pace.wait_all([Rate(key, rate, burst)])
        stamps.append(time.monotonic() - started)
    return stamps


async def test_a_burst_goes_at_once_then_one_event_per_interval():
    clock = ManualClock()
    stamps = []

    async def let_pass(seconds: float) -> None:
        clock.now += seconds

    pace = LocalPace(clock, let_pass)
    for _ in range(6):
        await pace.wait_all([Rate("chat:1", 10, burst=3)])
        stamps.append(round(clock.now, 6))
    assert stamps == [0, 0, 0, 0.1, 0.2, 0.3]  # the burst, then 10 a second


async def test_a_chats_next_message_waits_from_when_the_last_one_left():
    """Reserved at once, a chat's turn and the bot's overall one: a message that waited for the
    overall turn (30 others before it) still keeps the next one to its chat a second away."""
    clock = ManualClock()
    goes: list[float] = []

    async def note(seconds: float) -> None:  # every caller reserves at 0, none moves time
        goes.append(seconds)

    pace = LocalPace(clock, note)
    overall = Rate("overall", 10)
    for other in range(30):
        await pace.wait_all([Rate(f"chat:{other}", 1), overall])
    for _ in range(2):
        await pace.wait_all([Rate("chat:x", 1), overall])
    assert [round(at, 6) for at in goes[:3]] == [0.1, 0.2, 0.3]  # the first went at 0
    assert [round(at, 6) for at in goes[-2:]] == [3.0, 4.0]  # not 3.1: a second after 3.0


async def test_in_redis_a_chats_next_message_waits_from_when_the_last_one_left(redis: Redis):
    one_at_a_time = Redis(
        connection_pool=ConnectionPool(**redis.connection_pool.connection_kwargs),
        single_connection_client=True,  # the reservations reach Redis in the order made
    )
    pace = SharedPace(one_at_a_time, prefix=f"rantevou-test-{secrets.token_hex(4)}:")
    overall = Rate("overall", 50)
    left: dict[str, float] = {}

    async def send(chat: str, message: str) -> None:
        await pace.wait_all([Rate(chat, 5), overall])
        left[message] = time.monotonic()

    try:
        others = [asyncio.create_task(send(f"chat:{n}", f"other {n}")) for n in range(10)]
        mine = [asyncio.create_task(send("chat:x", message)) for message in ("first", "second")]
        await asyncio.gather(*others, *mine)
    finally:
        await one_at_a_time.aclose()
    assert left["first"] - left["other 9"] >= 0.015  # after the ten others, 50 a second
    assert left["second"] - left["first"] >= 0.19  # five a second to one chat


async def test_instances_sharing_redis_keep_one_pace_together(redis: Redis):
    key = f"test:{secrets.token_hex(4)}"
    other_process = Redis(connection_pool=ConnectionPool(**redis.connection_pool.connection_kwargs))
    first = SharedPace(redis, prefix="rantevou-test:")
    second = SharedPace(other_process, prefix="rantevou-test:")
    try:
        started = time.monotonic()
        await asyncio.gather(
            _times(first, key, 4, rate=10, burst=2), _times(second, key, 4, rate=10, burst=2)
        )
        elapsed = time.monotonic() - started
    finally:
        await other_process.aclose()
    # Eight events, two at once, then ten a second: the last goes 0.6 s after the first (each
    # instance alone would have been done after 0.2 s).
    assert elapsed >= 0.58


async def test_two_bot_instances_send_one_chat_about_one_message_a_second(
    telegram: FakeTelegram, redis: Redis
):
    prefix = f"rantevou-test-{secrets.token_hex(4)}:"
    bots = []
    for _ in range(2):
        session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))
        session.middleware(
            Delivery(per_chat_per_second=2, per_chat_burst=1, pace=SharedPace(redis, prefix=prefix))
        )
        bots.append(Bot(telegram.token, session=session))
    try:
        started = time.monotonic()
        await asyncio.gather(*(bot.send_message(77, f"{n}") for n in range(3) for bot in bots))
        elapsed = time.monotonic() - started
    finally:
        for bot in bots:
            await bot.session.close()
    assert len([m for m in telegram.messages.values() if m.chat_id == 77]) == 6
    assert elapsed >= 2.4  # six messages at two a second, shared by both instances


async def _try_now_twice_then_after(
    pace: LocalPace | SharedPace, key: str, let_pass: Callable[[float], Awaitable[None]]
) -> list[bool]:
    first = await pace.try_now(key, rate=5, burst=1)
    second = await pace.try_now(key, rate=5, burst=1)  # 0.2 s too early: not taken
    await let_pass(second / 2)
    too_soon = await pace.try_now(key, rate=5, burst=1)
    await let_pass(second / 2 + 0.01)
    third = await pace.try_now(key, rate=5, burst=1)
    return [first == 0, 0.1 < second <= 0.2, too_soon > 0, third == 0]


async def test_try_now_takes_a_free_turn_or_says_how_long_to_wait():
    clock = ManualClock()

    async def let_pass(seconds: float) -> None:
        clock.now += seconds

    pace = LocalPace(clock)
    assert await _try_now_twice_then_after(pace, "group", let_pass) == [True] * 4


async def test_try_now_in_redis_is_shared_and_says_how_long_to_wait(redis: Redis):
    pace = SharedPace(redis, prefix="rantevou-test:")
    key = f"group:{secrets.token_hex(4)}"
    # Redis keeps the time: it must really pass.
    assert await _try_now_twice_then_after(pace, key, asyncio.sleep) == [True] * 4


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@contextlib.contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A Redis of the test's own, so that it can be stopped and started again."""
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield server
    finally:
        server.terminate()
        server.wait(10)


async def until_answers(client: Redis) -> None:
    async with asyncio.timeout(10):
        while True:
            with contextlib.suppress(RedisError, OSError):
                await client.ping()
                return
            await asyncio.sleep(0.02)


async def test_redis_down_the_pace_is_kept_locally_with_one_warning_and_shared_again_after(
    caplog: pytest.LogCaptureFixture,
):
    port = free_port()
    client = Redis(port=port, socket_timeout=2, socket_connect_timeout=2)
    clock = ManualClock()
    pace = SharedOrLocal(SharedPace(client, prefix="down-test:"), retry_after_s=30, clock=clock)
    try:
        with redis_server(port):
            await until_answers(client)
            await pace.wait_all([Rate("chat:1", 1000)])
            assert await client.exists("down-test:chat:1")  # kept in Redis while it answers
        caplog.set_level(logging.WARNING, "integrations.pace")
        for _ in range(5):  # Redis gone: every message still goes, at the local pace
            await pace.wait_all([Rate("chat:1", 1000)])
        assert await pace.try_now("chat:2", rate=1, burst=1) == 0
        assert await pace.try_now("chat:2", rate=1, burst=1) > 0  # the local pace holds
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert warnings == ["Redis is unreachable: Telegram's pace is kept per instance only"]

        with redis_server(port):
            await until_answers(client)
            clock.now += 31  # Redis is asked again once the retry time has passed
            await pace.wait_all([Rate("chat:3", 1000)])
            assert await client.exists("down-test:chat:3")
        assert caplog.records[-1].getMessage() == (
            "Redis answers again: Telegram's pace is shared by the instances"
        )
    finally:
        await client.aclose()


async def test_a_request_that_hangs_holds_the_others_up_two_periods_at_most():
    answered = Answered(limit=2, period=0.2)
    entered, never = asyncio.Event(), asyncio.Event()

    async def hangs() -> None:
        async with answered.turn("overall"):
            entered.set()
            await never.wait()

    async def quick() -> float:
        async with answered.turn("overall"):
            return time.monotonic()

    hanging = asyncio.create_task(hangs())
    await entered.wait()
    started = time.monotonic()
    second = await quick()
    third = await asyncio.wait_for(quick(), timeout=5)  # waits on the hanging one's answer
    hanging.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await hanging
    assert second - started < 0.2  # within the limit: at once
    assert 0.2 <= third - started < 5
