"""The purge: personal data kept no longer than each municipality's configuration says.

It works in batches, each its own short transaction, so no table is locked for long; it is
idempotent (erased rows are skipped), so two workers running it at once change nothing twice;
and it reports counts only, never what it erased.

Conversations, delivered notifications and seen updates are not tied to one municipality:
for them the shortest period any municipality configures applies."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, not_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.model import Configuration
from integrations.db.engine import write_transaction
from integrations.db.personal_data import (
    delete_citizens_with_nothing_left,
    erase_bookings,
    nothing_left,
    notices_pending,
)
from integrations.db.tables import (
    bookings,
    citizens,
    conversations,
    manage_tokens,
    outbox,
    telegram_updates,
    viber_callbacks,
)

BATCH = 500
FINISHED = ("done", "dropped")


@dataclass
class Purged:
    bookings_erased: int = 0
    citizens_deleted: int = 0
    conversations_deleted: int = 0
    manage_links_deleted: int = 0
    notifications_deleted: int = 0
    seen_updates_deleted: int = 0

    def __str__(self) -> str:
        return " ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


class SqlPurge:
    def __init__(
        self, engine: AsyncEngine, configuration: Configuration, batch: int = BATCH
    ) -> None:
        self._engine = engine
        self._configuration = configuration
        self._batch = batch

    async def run(self, now: datetime) -> Purged:
        purged = Purged()
        for office in self._configuration.municipalities:
            cutoff = now - timedelta(days=office.privacy.keep_appointments_days)
            past = and_(bookings.c.municipality_id == office.id, bookings.c.ends_at < cutoff)
            purged.bookings_erased += await self._erase(past, now)
        asked = and_(bookings.c.erase_requested_at.is_not(None), not_(notices_pending()))
        purged.bookings_erased += await self._erase(asked, now)
        rules = [m.privacy for m in self._configuration.municipalities]
        idle = now - timedelta(days=min(r.keep_idle_conversations_days for r in rules))
        sent = now - timedelta(days=min(r.keep_delivered_notifications_days for r in rules))
        seen = now - timedelta(days=min(r.keep_seen_updates_days for r in rules))
        ended = select(bookings.c.id).where(bookings.c.ends_at < now)
        purged.conversations_deleted = await self._delete(
            conversations,
            conversations.c.updated_at < idle,
            conversations.c.channel,
            conversations.c.user_id,
        )
        purged.manage_links_deleted = await self._delete(
            manage_tokens, manage_tokens.c.booking_id.in_(ended), manage_tokens.c.token_hash
        )
        purged.notifications_deleted = await self._delete(
            outbox, and_(outbox.c.status.in_(FINISHED), outbox.c.finished_at < sent), outbox.c.id
        )
        purged.seen_updates_deleted = await self._delete(
            telegram_updates, telegram_updates.c.received_at < seen, telegram_updates.c.update_id
        ) + await self._delete(
            viber_callbacks, viber_callbacks.c.received_at < seen, viber_callbacks.c.message_token
        )
        purged.citizens_deleted = await self._delete_citizens()
        return purged

    async def _erase(self, which: ColumnElement[bool], now: datetime) -> int:
        total = 0
        while True:
            async with write_transaction(self._engine) as connection:
                batch = (
                    select(bookings.c.id)
                    .where(which, bookings.c.personal_data_removed_at.is_(None))
                    .limit(self._batch)
                )
                erased = await erase_bookings(connection, bookings.c.id.in_(batch), now)
                await connection.commit()
            total += len(erased)
            if len(erased) < self._batch:
                return total

    async def _delete(
        self, table: Table, which: ColumnElement[bool], *key: ColumnElement[Any]
    ) -> int:
        """DELETE … WHERE key IN (a batch of the rows `which` selects), until none is left."""
        total = 0
        while True:
            batch = select(*key).where(which).limit(self._batch)
            async with write_transaction(self._engine) as connection:
                result = await connection.execute(delete(table).where(tuple_(*key).in_(batch)))
                await connection.commit()
            deleted = result.rowcount or 0
            total += deleted
            if deleted < self._batch:
                return total

    async def _delete_citizens(self) -> int:
        total = 0
        while True:
            async with write_transaction(self._engine) as connection:
                batch = select(citizens.c.id).where(nothing_left()).limit(self._batch)
                deleted = await delete_citizens_with_nothing_left(
                    connection, citizens.c.id.in_(batch)
                )
                await connection.commit()
            total += deleted
            if deleted < self._batch:
                return total
