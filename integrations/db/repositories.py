"""The tables beside the storage's use cases, each wrapped once for a whole process (its
composition root, bot/app.py, builds them; the worker's wiring takes the same ones)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.manage_tokens import SqlManageTokens
from integrations.db.seen_updates import SqlSeenUpdates
from integrations.db.tables import viber_callbacks
from integrations.db.viber_subscribers import SqlViberSubscribers
from integrations.db.video_meetings import SqlVideoMeetings


@dataclass(frozen=True)
class Repositories:
    """The tables beside the storage's use cases, each wrapped once for the whole process."""

    manage_tokens: SqlManageTokens
    video_meetings: SqlVideoMeetings
    viber_subscribers: SqlViberSubscribers
    telegram_updates: SqlSeenUpdates
    viber_callbacks: SqlSeenUpdates

    @classmethod
    def on(cls, engine: AsyncEngine) -> Repositories:
        return cls(
            manage_tokens=SqlManageTokens(engine),
            video_meetings=SqlVideoMeetings(engine),
            viber_subscribers=SqlViberSubscribers(engine),
            telegram_updates=SqlSeenUpdates(engine),
            viber_callbacks=SqlSeenUpdates(engine, viber_callbacks),
        )
