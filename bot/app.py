"""The composition root of a process: settings → configuration → database → repositories → the
dialog, each built once here; the clients a command makes later (the Telegram bot, the Viber
client) are registered with it, and `close` shuts everything in the reverse order."""

from __future__ import annotations

import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import InitVar, dataclass, field

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.engine import Dialog
from domain.model import Configuration
from integrations.configuration import load_configuration
from integrations.db.conversations import SqlConversationStore
from integrations.db.engine import create_engine
from integrations.db.repositories import Repositories
from integrations.db.storage import SqlStorage
from integrations.metrics import DIALOG_FAILURES, time_gc_pauses
from integrations.pace import LocalPace, Pace, SharedOrLocal, SharedPace
from integrations.settings import Settings
from integrations.turns import PostgresPerCitizen, SharedPerCitizen

log = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 2.0
"""A Redis that does not answer in this long counts as down: the pace and the citizens' turns
go on without it rather than keep a citizen waiting."""


Close = Callable[[], Awaitable[None]]


class SetupProblem(Exception):
    """What stops a command at start-up (a channel refusing the token), in one line."""


@dataclass(frozen=True)
class App:
    settings: Settings
    configuration: Configuration
    engine: AsyncEngine
    storage: SqlStorage
    dialog: Dialog
    redis: Redis | None = None
    """With REDIS_URL, the process's one client: the citizens' turns and Telegram's pace."""
    given_repositories: InitVar[Repositories | None] = None
    """Built from `engine` when not given."""
    given_pace: InitVar[Pace | None] = None
    """Telegram's pace; when not given, shared through Redis if there is one, else local."""
    repositories: Repositories = field(init=False)
    pace: Pace = field(init=False)
    _closing: list[Close] = field(init=False, default_factory=list)

    def __post_init__(
        self, given_repositories: Repositories | None, given_pace: Pace | None
    ) -> None:
        repositories = given_repositories or Repositories.on(self.engine)
        object.__setattr__(self, "repositories", repositories)
        pace = given_pace or (
            SharedOrLocal(SharedPace(self.redis)) if self.redis is not None else LocalPace()
        )
        object.__setattr__(self, "pace", pace)

    def closes(self, close: Close) -> None:
        """`close` runs when the app closes, before the clients registered earlier."""
        self._closing.append(close)

    async def close(self) -> None:
        for close in reversed(self._closing):
            try:
                await close()
            except Exception:  # the others must close all the same
                log.exception("closing a client failed")
        self._closing.clear()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


def build_app(settings: Settings) -> App:
    """Raises ConfigError for a broken configuration file."""
    configuration = load_configuration(settings.booking_config)
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
    storage = SqlStorage(engine)
    repositories = Repositories.on(engine)
    redis = (
        Redis.from_url(
            settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
        )
        if settings.redis_url
        else None
    )
    one_at_a_time = shared_turns(redis, settings.database_url)
    dialog = Dialog(
        configuration,
        storage,
        SqlConversationStore(engine),
        manage_links=repositories.manage_tokens,
        one_at_a_time=one_at_a_time,
        privacy_url=f"{settings.public_base_url}/privacy" if settings.public_base_url else None,
        meeting_links=settings.meeting_provider != "none",
        join_links=repositories.video_meetings,
        on_failure=DIALOG_FAILURES.inc,
    )
    app = App(settings, configuration, engine, storage, dialog, redis, repositories)
    if isinstance(one_at_a_time, PostgresPerCitizen):
        app.closes(one_at_a_time.close)
    return app


def shared_turns(
    redis: Redis | None, database_url: str
) -> SharedPerCitizen | PostgresPerCitizen | None:
    """What keeps one citizen's turns in order across instances: Redis when there is one, else
    PostgreSQL; on SQLite (one instance) the dialog's own per-process lock (None)."""
    if redis is not None:
        return SharedPerCitizen(redis)
    if database_url.startswith("postgresql"):
        return PostgresPerCitizen(database_url)
    return None


def freeze_start_up_objects() -> None:
    """Objects made at start-up (modules, configuration, catalogs, holiday tables) live as long
    as the process. Moved out of the garbage collector's sight, they no longer make each full
    collection a pause of about 0.1-0.2 s that every citizen waiting at that moment feels. To be
    called once the command has imported what it needs (a channel's aiogram: 185,000 objects),
    as gc.freeze moves only what exists when it is called."""
    gc.collect()
    gc.freeze()
    time_gc_pauses()
