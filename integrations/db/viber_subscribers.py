"""Who is subscribed to the bot on Viber, as the callbacks tell: `subscribed`, a message from the
citizen (which subscribes them), `unsubscribed`. Nothing is sent to a citizen who unsubscribed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.engine import insert_for, one_statement_options
from integrations.db.tables import viber_subscribers


class SqlViberSubscribers:
    def __init__(
        self, engine: AsyncEngine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._insert = insert_for(engine.dialect.name)

    async def set(self, user_id: str, subscribed: bool) -> None:
        now = self._clock()
        statement = self._insert(viber_subscribers).values(
            user_id=user_id, subscribed=subscribed, changed_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=["user_id"], set_={"subscribed": subscribed, "changed_at": now}
        )
        async with self._engine.connect() as connection:
            await connection.execution_options(**one_statement_options(self._engine))
            await connection.execute(statement)

    async def unsubscribed(self, user_id: str) -> bool:
        """True only for a citizen who unsubscribed and has not come back."""
        query = select(viber_subscribers.c.subscribed).where(viber_subscribers.c.user_id == user_id)
        async with self._engine.connect() as connection:
            subscribed = (await connection.execute(query)).scalar_one_or_none()
        return subscribed is False
