"""How many Telegram updates a second the bot handles, and how fast each one.

100 simulated citizens book video calls at once: each reads what the bot sent, presses the
buttons a person would (and types the details), update after update — first without any pause
(the saturated rate, and the latency when 100 updates always wait in line), then pausing about a
second between taps (the latency at a fixed offered load below capacity). Updates go through the
real aiogram dispatcher and the real dialog and database; replies go over HTTP to a local
server that speaks the Bot API. The same is measured for a bare aiogram echo bot, on the same
number of updates, in the same run. On SQLite and on PostgreSQL.

Telegram's own limits (30 messages/s overall, about 1/s per chat) are not applied here: they
would measure Telegram's pace, not the bot's. The local Bot API server runs in a process of its
own, as Telegram's servers are not on the bot's machine.

Then the same on two `web` processes sharing PostgreSQL and Redis, saturated and at an open loop
of 150, 100 and 60 updates a second (bench/scaled_out.py), and the bare aiogram echo bot as two
`web` processes behind the same harness.

Run: make bench   (or .venv/bin/python -m bench.telegram_throughput)
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message, Update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App, freeze_start_up_objects
from bot.telegram.delivery import Delivery
from bot.telegram.runner import make_bot, make_dispatcher
from dialogs.engine import Dialog
from dialogs.screens import Event, Screen
from domain.model import ChannelIdentity
from integrations.configuration import load_configuration
from integrations.db.conversations import SqlConversationStore
from integrations.db.engine import create_engine
from integrations.db.migrate import upgrade
from integrations.db.storage import SqlStorage
from integrations.settings import DEFAULT_BOOKING_CONFIG, Settings
from tests.databases import drop_schema, postgres_engine_in_new_schema
from tests.e2e.telegram_citizen import free_port
from tests.fake_telegram import FakeTelegram, SentMessage

CITIZENS = 100
ALONE = 5
PAUSE_S = 1.0
"""Between two taps, on average: far quicker than people (who read the screen), so 100
citizens offer about 100 updates a second."""
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
"""A Tuesday morning: the next 30 days are open to book."""
NO_LIMITS = Delivery(overall_per_second=1e9, per_chat_per_second=1e9, per_chat_burst=1e9)

Feed = Callable[[dict[str, Any]], Awaitable[None]]
SCREENS = {"sendMessage", "editMessageText"}
PLAIN_ANSWERS = (
    "menu:book",
    "mode:video_call",
    "service:permits",
    "staff:any",
    "appno:skip",
    "third:no",
    "docs:yes",
    "consent:accept",
    "summary:confirm",
)


class ScreenRecorder(BaseRequestMiddleware):
    """What the bot showed each chat, read from the Bot API's answers: the local Bot API
    server runs in another process, as Telegram's would."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram

    async def __call__(self, make_request: Any, bot: Bot, method: Any) -> Any:
        message = await make_request(bot, method)
        if method.__api_method__ in SCREENS and isinstance(message, Message):
            markup = message.reply_markup
            keyboard = [
                [{"text": b.text, "callback_data": b.callback_data or ""} for b in row]
                for row in (markup.inline_keyboard if markup else [])
            ]
            sent = SentMessage(message.chat.id, message.message_id, message.text or "", keyboard)
            self.telegram.messages[message.message_id] = sent
            self.telegram.screens[message.chat.id] = message.message_id
        return message


class SimulatedCitizen:
    """Books a video call by reading each screen the local Bot API server received."""

    def __init__(self, number: int, telegram: FakeTelegram, feed: Feed, pause_s: float = 0) -> None:
        """`pause_s`: the mean time the citizen takes to read and tap between two updates (a
        random 0.5-1.5 times it); 0: no pause at all, the saturated case."""
        self.user_id = 800_000 + number
        self.number = number
        self.seat = number % CITIZENS
        """Which day and time the citizen tries first: each run spreads the same way."""
        self.telegram = telegram
        self.feed = feed
        self.pause_s = pause_s
        self.latencies: list[float] = []
        self._random = random.Random(number)

    @property
    def text(self) -> str:
        return self.telegram.messages[self.telegram.screens[self.user_id]].text

    def choice_ids(self) -> list[str]:
        screen = self.telegram.messages[self.telegram.screens[self.user_id]]
        return [b["callback_data"] for row in screen.keyboard for b in row]

    async def _timed(self, handle: Awaitable[object]) -> None:
        started = time.perf_counter()
        await handle
        self.latencies.append((time.perf_counter() - started) * 1000)

    async def _pause(self) -> None:
        if self.pause_s:
            await asyncio.sleep(self.pause_s * self._random.uniform(0.5, 1.5))

    async def _send(self, update: dict[str, Any]) -> None:
        await self._pause()
        await self._timed(self.feed({"update_id": next(self.telegram._update_ids), **update}))

    async def say(self, words: str) -> None:
        await self._send(self.telegram.text_update(self.user_id, words))

    async def choose(self, choice_id: str) -> None:
        message_id = self.telegram.screens[self.user_id]
        await self._send(self.telegram.press_update(self.user_id, message_id, choice_id))

    async def press(self, prefix: str, nth: int | None = 0) -> None:
        """`nth`: which of the buttons with that prefix; None: any of them, at random."""
        found = [c for c in self.choice_ids() if c.startswith(prefix)]
        if not found:
            raise RuntimeError(f"citizen {self.number}: no {prefix!r} on {self.text!r}")
        index = self._random.randrange(len(found)) if nth is None else min(nth, len(found) - 1)
        await self.choose(found[index])

    def _shows(self, prefix: str) -> bool:
        return any(c.startswith(prefix) for c in self.choice_ids())

    def _typed_answer(self) -> str:
        prompt = self.text.rsplit("\n", 1)[-1]
        for words, answer in (
            ("ονοματεπώνυμό", "Πολίτης Δοκιμής"),
            ("e-mail", f"citizen{self.number}@example.com"),
            ("κινητού", "6912345678"),
            ("θέμα", "Έλεγχος φακέλου άδειας"),
        ):
            if words in prompt:
                return answer
        raise RuntimeError(f"citizen {self.number} does not know what to do: {prompt!r}")

    async def book(self) -> None:
        """What a person does: answers whatever the screen asks, until the booking is made.
        A time taken by someone else meanwhile sends them to another free time, at random as
        people would (all taking the first free one, 100 citizens at once could each lose the
        race more often than the steps allow)."""
        await self.say("/start")
        first_try = True
        for _ in range(60):
            if "Το ραντεβού σας κλείστηκε" in self.text:
                return
            pressed = next((p for p in PLAIN_ANSWERS if self._shows(p)), None)
            if pressed:
                await self.press(pressed)
            elif self._shows("day:20"):
                await self.press("day:20", nth=self.seat % 15 if first_try else None)
            elif self._shows("time:"):
                await self.press("time:", nth=self.seat // 15 if first_try else None)
                first_try = False
            elif "ώρες" in self.text and self._shows("nav:back"):
                await self.press("nav:back")  # no time left that day
            else:
                await self.say(self._typed_answer())
        if "Το ραντεβού σας κλείστηκε" in self.text:  # booked by the last of the steps
            return
        raise RuntimeError(f"citizen {self.number} could not book: {self.text!r}")


class DialogCitizen(SimulatedCitizen):
    """The same citizen talking to the dialog directly: no Telegram, no aiogram, no HTTP. What
    the dialog and its database cost on their own, the ceiling of any channel."""

    def __init__(self, number: int, dialog: Dialog) -> None:
        super().__init__(number, FakeTelegram(), _no_feed)
        self.dialog = dialog
        self.identity = ChannelIdentity("telegram", str(self.user_id))
        self.screen = Screen("")

    @property
    def text(self) -> str:
        return self.screen.text

    def choice_ids(self) -> list[str]:
        return [c.id for c in self.screen.choices() if c.id]

    async def _answer(self, event: Event) -> None:
        self.screen = (await self.dialog.handle(event))[-1]

    async def say(self, words: str) -> None:
        await self._timed(self._answer(Event(self.identity, text=words)))

    async def choose(self, choice_id: str) -> None:
        await self._timed(self._answer(Event(self.identity, choice=choice_id)))


async def _no_feed(_update: dict[str, Any]) -> None:
    return None


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message()  # no magic filter: aiogram would run it in a thread for each update
    async def echo(message: Message, bot: Bot) -> None:
        await bot.send_message(message.chat.id, message.text or "…")

    @router.callback_query()
    async def pressed(query: CallbackQuery, bot: Bot) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await bot.edit_message_text(
                text=f"{query.data} {time.time()}",
                chat_id=query.message.chat.id,
                message_id=query.message.message_id,
            )

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


def feeder(bot: Bot, dispatcher: Dispatcher) -> Feed:
    async def feed(update: dict[str, Any]) -> None:
        await dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))

    return feed


async def run_citizens(
    telegram: FakeTelegram, feed: Feed, pause_s: float = 0, first: int = 0
) -> tuple[float, list[float], int]:
    citizens = [SimulatedCitizen(first + n, telegram, feed, pause_s) for n in range(CITIZENS)]
    started = time.perf_counter()
    await asyncio.gather(*(c.book() for c in citizens))
    elapsed = time.perf_counter() - started
    latencies = [ms for c in citizens for ms in c.latencies]
    booked = sum(1 for c in citizens if "Το ραντεβού σας κλείστηκε" in c.text)
    return elapsed, latencies, booked


async def dialog_alone(dialog: Dialog, first: int) -> float:
    """Updates a second when the same citizens talk to the dialog with nothing in between."""
    citizens = [DialogCitizen(first + n, dialog) for n in range(CITIZENS)]
    started = time.perf_counter()
    await asyncio.gather(*(c.book() for c in citizens))
    return sum(len(c.latencies) for c in citizens) / (time.perf_counter() - started)


async def echo_replay(telegram: FakeTelegram, updates: int) -> tuple[float, list[float]]:
    """The same number of updates, in the same shape (one citizen after another, all at once)."""
    bot = Bot(
        "123456:TEST-TOKEN",
        session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url)),
        default=DefaultBotProperties(parse_mode=None),
    )
    bot.session.middleware(ScreenRecorder(telegram))
    feed = feeder(bot, echo_dispatcher())
    per_citizen = updates // CITIZENS
    latencies: list[float] = []

    async def citizen(number: int) -> None:
        user_id = 900_000 + number
        for step in range(per_citizen):
            if step % 2 == 0 or user_id not in telegram.screens:
                update = telegram.text_update(user_id, f"hello {step}")
            else:
                update = telegram.press_update(user_id, telegram.screens[user_id], f"x:{step}")
            started = time.perf_counter()
            await feed({"update_id": next(telegram._update_ids), **update})
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(citizen(n) for n in range(CITIZENS)))
    elapsed = time.perf_counter() - started
    await bot.session.close()
    return elapsed, latencies


async def measure(engine: AsyncEngine, label: str, telegram: FakeTelegram) -> dict[str, float]:
    await upgrade(engine)
    configuration = load_configuration(DEFAULT_BOOKING_CONFIG)
    storage = SqlStorage(engine)
    dialog = Dialog(configuration, storage, SqlConversationStore(engine), clock=lambda: NOW)
    settings = Settings(
        database_url="",
        booking_config=DEFAULT_BOOKING_CONFIG,
        bot_token=telegram.token,
        telegram_api_url=telegram.base_url,
    )
    app = App(settings, configuration, engine, storage, dialog)
    freeze_start_up_objects()  # as `python -m bot` does
    bot = make_bot(app, delivery=NO_LIMITS)
    bot.session.middleware(ScreenRecorder(telegram))
    feed = feeder(bot, make_dispatcher(app))
    alone: list[float] = []
    for number in range(ALONE):  # one citizen at a time: the latency of an update by itself
        citizen = SimulatedCitizen(CITIZENS + number, telegram, feed)
        await citizen.book()
        alone += citizen.latencies
    elapsed, latencies, booked = await run_citizens(telegram, feed)
    paced = await run_citizens(telegram, feed, PAUSE_S, first=CITIZENS + ALONE)
    await bot.session.close()
    paced_elapsed, paced_latencies, paced_booked = paced
    offered = len(paced_latencies) / paced_elapsed
    rate = len(latencies) / elapsed
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    alone_p50, alone_p99 = _percentile(alone, 50), _percentile(alone, 99)
    print(
        f"{label}: one citizen at a time: p50 {alone_p50:.1f} ms, p99 {alone_p99:.1f} ms "
        f"per update ({len(alone)} updates)"
    )
    print(
        f"{label}: {len(latencies)} updates from {CITIZENS} citizens at once in {elapsed:.2f} s "
        f"= {rate:.0f} updates/s; p50 {p50:.1f} ms, p99 {p99:.1f} ms; {booked} booked"
    )
    dialog_rate = await dialog_alone(dialog, first=2 * CITIZENS + ALONE)
    print(f"{label}: the dialog alone, {CITIZENS} citizens at once: {dialog_rate:.0f} updates/s")
    paced_p50, paced_p99 = _percentile(paced_latencies, 50), _percentile(paced_latencies, 99)
    print(
        f"{label}: {CITIZENS} citizens pausing {PAUSE_S} s on average between taps: "
        f"{offered:.0f} updates/s offered; p50 {paced_p50:.1f} ms, p99 {paced_p99:.1f} ms; "
        f"{paced_booked} booked"
    )
    return {
        "rate": rate,
        "p50": p50,
        "p99": p99,
        "updates": len(latencies),
        "alone_p50": alone_p50,
        "alone_p99": alone_p99,
        "paced_rate": offered,
        "dialog_rate": dialog_rate,
        "paced_p99": paced_p99,
    }


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100)[percent - 1] if len(values) > 1 else values[0]


async def _wait_for_server(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    raise TimeoutError(url)


async def main() -> None:
    # It builds on this module's citizens.
    from bench.scaled_out import measure_echo_scaled_out, measure_scaled_out

    telegram = FakeTelegram()  # builds the updates; the server itself runs in another process
    telegram.port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fake_telegram", str(telegram.port)
    )
    try:
        await _wait_for_server(telegram.base_url + f"/bot{telegram.token}/getMe")
        with tempfile.TemporaryDirectory() as folder:
            sqlite = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
            on_sqlite = await measure(sqlite, "SQLite", telegram)
            await sqlite.dispose()
        engine, schema = await postgres_engine_in_new_schema(pool_size=20, max_overflow=20)
        try:
            on_pg = await measure(engine, "PostgreSQL", telegram)
        finally:
            await engine.dispose()
            await drop_schema(schema)
        scaled = await measure_scaled_out(telegram)
        echo_scaled = await measure_echo_scaled_out(telegram, int(scaled["two_processes_updates"]))
        echo_elapsed, echo_latencies = await echo_replay(telegram, int(on_pg["updates"]))
        echo_rate = len(echo_latencies) / echo_elapsed
        print(
            f"echo bot: {len(echo_latencies)} updates in {echo_elapsed:.2f} s = "
            f"{echo_rate:.0f} updates/s; p50 {_percentile(echo_latencies, 50):.1f} ms, "
            f"p99 {_percentile(echo_latencies, 99):.1f} ms"
        )
    finally:
        server.terminate()
        await server.wait()
    two_to_echo_two = scaled["two_processes_rate"] / echo_scaled
    print(
        f"updates_per_s_pg={on_pg['rate']:.0f} p99_ms_pg={on_pg['p99']:.1f} "
        f"offered_per_s_pg_paced={on_pg['paced_rate']:.0f} "
        f"p99_ms_pg_paced={on_pg['paced_p99']:.1f} "
        f"p50_ms_pg={on_pg['p50']:.1f} p99_ms_pg_one_citizen={on_pg['alone_p99']:.1f} "
        f"p50_ms_pg_one_citizen={on_pg['alone_p50']:.1f} "
        f"updates_per_s_sqlite={on_sqlite['rate']:.0f} p99_ms_sqlite={on_sqlite['p99']:.1f} "
        f"updates_per_s_echo={echo_rate:.0f} ratio_to_echo={on_pg['rate'] / echo_rate:.2f} "
        f"updates_per_s_pg_dialog_alone={on_pg['dialog_rate']:.0f} "
        f"updates_per_s_pg_two_processes={scaled['two_processes_rate']:.0f} "
        f"ratio_two_processes_to_echo={scaled['two_processes_rate'] / echo_rate:.2f} "
        f"updates_per_s_echo_two_processes={echo_scaled:.0f} "
        f"ratio_two_processes_to_echo_two_processes={two_to_echo_two:.2f} "
        f"p99_ms_open_150={scaled['open_150_p99']:.1f} "
        f"p50_ms_open_150={scaled['open_150_p50']:.1f} "
        f"p99_ms_open_100={scaled['open_100_p99']:.1f} p99_ms_open_60={scaled['open_60_p99']:.1f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
