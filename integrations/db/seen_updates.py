"""Which Telegram updates (or Viber callbacks) were handled already, in the shared database:
Telegram redelivers an update when it got no answer in time, and another instance may be the one
that gets it. The key is Telegram's update_id, or Viber's message_token.

An instance claims an update before handling it and marks it handled afterwards. A claim that
was never marked handled (the process died) can be taken again once it is older than
`CLAIM_EXPIRES`, so a redelivered update is not lost; a failure releases the claim at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import Executable

from integrations.db.engine import insert_for, one_statement_options
from integrations.db.tables import telegram_updates

CLAIM_EXPIRES = timedelta(seconds=30)
KEEP_FOR = timedelta(days=2)
"""Telegram keeps an update for at most 24 hours (Viber retries for less); older records can
go."""
_PRUNE_EVERY = 1000


def _claim_statement(dialect: str, table: Table) -> Executable:
    insert = insert_for(dialect)
    key = _key(table)
    statement = insert(table).values(
        {key: bindparam("claimed_id"), "received_at": bindparam("now"), "handled": False}
    )
    return statement.on_conflict_do_update(
        index_elements=[key],
        set_={"received_at": statement.excluded.received_at},
        where=(table.c.handled.is_(False)) & (table.c.received_at < bindparam("expired_before")),
    )


def _key(table: Table) -> str:
    [key] = table.primary_key.columns
    return key.name


class SqlSeenUpdates:
    def __init__(
        self,
        engine: AsyncEngine,
        table: Table = telegram_updates,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`table`: telegram_updates, or viber_callbacks."""
        self._engine = engine
        self._clock = clock
        self._table = table
        key = table.c[_key(table)]
        self._claim = _claim_statement(engine.dialect.name, table)
        self._handled = update(table).where(key == bindparam("claimed_id")).values(handled=True)
        self._release = delete(table).where(
            key == bindparam("claimed_id"), table.c.handled.is_(False)
        )
        self._was_handled = select(table.c.handled).where(key == bindparam("claimed_id"))
        self._since_prune = 0

    async def claim(self, update_id: int | str) -> bool:
        """True: this instance handles the update now; False: it is handled or being handled."""
        now = self._clock()
        parameters = {"claimed_id": update_id, "now": now, "expired_before": now - CLAIM_EXPIRES}
        async with self._engine.connect() as connection:
            await connection.execution_options(**one_statement_options(self._engine))
            result = await connection.execute(self._claim, parameters)
            await self._prune_now_and_then(connection, now)
        return bool(result.rowcount == 1)

    async def was_handled(self, update_id: int | str) -> bool:
        """After a claim that failed: True when the update was handled, False while another
        claim on it is fresh (being handled, or its instance died less than CLAIM_EXPIRES
        ago)."""
        async with self._engine.connect() as connection:
            await connection.execution_options(**one_statement_options(self._engine))
            found = await connection.execute(self._was_handled, {"claimed_id": update_id})
            return bool(found.scalar())

    async def handled(self, update_id: int | str) -> None:
        await self._run(self._handled, update_id)

    async def release(self, update_id: int | str) -> None:
        """Handling failed: let the redelivery be handled."""
        await self._run(self._release, update_id)

    async def _run(self, statement: Executable, update_id: int | str) -> None:
        async with self._engine.connect() as connection:
            await connection.execution_options(**one_statement_options(self._engine))
            await connection.execute(statement, {"claimed_id": update_id})

    async def _prune_now_and_then(self, connection: AsyncConnection, now: datetime) -> None:
        self._since_prune += 1
        if self._since_prune < _PRUNE_EVERY:
            return
        self._since_prune = 0
        await connection.execute(
            delete(self._table).where(self._table.c.received_at < now - KEEP_FOR)
        )
