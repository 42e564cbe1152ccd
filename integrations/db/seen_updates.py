"""Which Telegram updates were handled already, in the shared database: Telegram redelivers
an update when it got no answer in time, and another instance may be the one that got it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.engine import one_statement_options
from integrations.db.tables import telegram_updates

KEEP_FOR = timedelta(days=2)
"""Telegram keeps an update for at most 24 hours; older records can go."""
_PRUNE_EVERY = 1000


class SqlSeenUpdates:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._since_prune = 0

    async def first_time(self, update_id: int) -> bool:
        now = datetime.now(UTC)
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(telegram_updates)
            .values(update_id=update_id, received_at=now)
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        async with self._engine.connect() as connection:
            await connection.execution_options(**one_statement_options(self._engine))
            result = await connection.execute(statement)
            self._since_prune += 1
            if self._since_prune >= _PRUNE_EVERY:
                self._since_prune = 0
                await connection.execute(
                    delete(telegram_updates).where(telegram_updates.c.received_at < now - KEEP_FOR)
                )
        return result.rowcount == 1
