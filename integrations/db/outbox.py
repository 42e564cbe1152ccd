"""The outbox in the database: written in the booking change's transaction, claimed by workers.

A worker claims due rows by setting a lease. On PostgreSQL the claim skips rows another worker
is claiming at that moment (`FOR UPDATE SKIP LOCKED`), so several workers share the work; on
SQLite write transactions run one at a time anyway. A row whose worker died is claimed again
once its lease has run out. A row waits while the row it depends on is still pending.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.notifications import REMINDERS, Change, Kind, Notification, undelivered_alert
from integrations.db.engine import insert_for, write_transaction
from integrations.db.tables import bookings, outbox

PENDING, DONE, PARKED, DROPPED = "pending", "done", "parked", "dropped"
_ERROR_LENGTH = 300


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    key: str
    kind: Kind
    booking_id: int | None
    change: Change | None
    sequence: int
    detail: str
    due_at: datetime
    attempts: int
    """Including the claim that handed out this row."""


def _row(row: Any) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        key=row.key,
        kind=Kind(row.kind),
        booking_id=row.booking_id,
        change=Change(row.change) if row.change else None,
        sequence=row.sequence,
        detail=row.detail,
        due_at=row.due_at,
        attempts=row.attempts,
    )


def _values(notification: Notification, now: datetime) -> dict[str, Any]:
    return {
        "key": notification.key,
        "kind": notification.kind.value,
        "booking_id": notification.booking_id,
        "change": notification.change.value if notification.change else None,
        "sequence": notification.sequence,
        "detail": notification.detail,
        "due_at": notification.due_at,
        "depends_on": notification.depends_on,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
    }


async def add_notifications(
    connection: AsyncConnection, notifications: Sequence[Notification], now: datetime
) -> None:
    if not notifications:
        return
    insert = insert_for(connection.dialect.name)
    statement = insert(outbox).on_conflict_do_nothing(index_elements=["key"])
    await connection.execute(statement, [_values(n, now) for n in notifications])


class SqlOutboxRepository:
    """The use cases' side: notifications go in with the change."""

    def __init__(self, connection: AsyncConnection, now: datetime) -> None:
        self._connection = connection
        self._now = now

    async def add(self, notifications: Sequence[Notification]) -> None:
        await add_notifications(self._connection, notifications, self._now)

    async def drop_reminders(self, booking_id: int) -> None:
        await self._connection.execute(
            update(outbox)
            .where(
                outbox.c.booking_id == booking_id,
                outbox.c.status == PENDING,
                outbox.c.kind.in_([k.value for k in REMINDERS]),
            )
            .values(status=DROPPED)
        )


def _claim_statement() -> Any:
    waiting_for = outbox.alias("waiting_for")
    dependency_pending = exists().where(
        waiting_for.c.key == outbox.c.depends_on, waiting_for.c.status == PENDING
    )
    due = (
        select(outbox.c.id)
        .where(
            outbox.c.status == PENDING,
            outbox.c.kind.in_(bindparam("kinds", expanding=True)),
            outbox.c.due_at <= bindparam("now"),
            or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= bindparam("now")),
            or_(outbox.c.depends_on.is_(None), ~dependency_pending),
        )
        .order_by(outbox.c.due_at, outbox.c.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True, of=outbox)
    )
    return (
        update(outbox)
        .where(outbox.c.id.in_(due.scalar_subquery()))
        .values(lease_until=bindparam("lease_until"), attempts=outbox.c.attempts + 1)
        .returning(*outbox.c)
    )


_CLAIM = _claim_statement()


class SqlOutbox:
    """The worker's side: claim due rows, then record how each went."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(
        self, now: datetime, limit: int, lease: timedelta, kinds: Collection[Kind]
    ) -> list[OutboxRow]:
        """Due rows of these kinds; other kinds wait for a worker that can deliver them."""
        parameters = {
            "now": now,
            "limit": limit,
            "lease_until": now + lease,
            "kinds": [k.value for k in kinds],
        }
        async with write_transaction(self._engine) as connection:
            result = await connection.execute(_CLAIM, parameters)
            rows = sorted((_row(r) for r in result), key=lambda r: (r.due_at, r.id))
            await connection.commit()
        return rows

    async def done(self, rows: Sequence[OutboxRow], now: datetime) -> None:
        await self._finish(rows, status=DONE, finished_at=now, lease_until=None)

    async def retry(self, row: OutboxRow, at: datetime, error: str) -> None:
        await self._finish([row], due_at=at, lease_until=None, last_error=error[:_ERROR_LENGTH])

    async def later(self, rows: Sequence[OutboxRow], at: datetime) -> None:
        """Not a failure (the staff group's pace, say): the attempt is given back."""
        await self._finish(rows, due_at=at, lease_until=None, attempts=outbox.c.attempts - 1)

    async def release(self, rows: Sequence[OutboxRow]) -> None:
        """Claimed but not started (the worker is stopping): free for another worker now."""
        await self._finish(rows, lease_until=None, attempts=outbox.c.attempts - 1)

    async def drop(self, rows: Sequence[OutboxRow], now: datetime) -> None:
        """Nothing to deliver any more (a reminder of a booking that moved, say)."""
        await self._finish(rows, status=DROPPED, finished_at=now, lease_until=None)

    async def park(self, row: OutboxRow, now: datetime, error: str) -> None:
        """Given up on; the staff group is told, in the same transaction."""
        async with write_transaction(self._engine) as connection:
            await connection.execute(
                self._update([row]).values(
                    status=PARKED,
                    finished_at=now,
                    lease_until=None,
                    last_error=error[:_ERROR_LENGTH],
                )
            )
            if row.kind is not Kind.STAFF_ALERT:
                alert = undelivered_alert(row, now, error)
                await add_notifications(connection, [alert], now)
            await connection.commit()

    async def _finish(self, rows: Sequence[OutboxRow], **values: Any) -> None:
        if not rows:
            return
        async with write_transaction(self._engine) as connection:
            await connection.execute(self._update(rows).values(**values))
            await connection.commit()

    @staticmethod
    def _update(rows: Sequence[OutboxRow]) -> Any:
        return update(outbox).where(outbox.c.id.in_([r.id for r in rows]))


@dataclass(frozen=True, slots=True)
class ParkedRow:
    """What an operator sees of a notification given up on: no personal data."""

    id: int
    kind: str
    booking_reference: str | None
    attempts: int
    parked_at: datetime | None
    last_error: str


class SqlParkedNotifications:
    """`python -m bot outbox list|retry`: the notifications given up on, and sending them again
    once the cause is mended (the SMTP password, the Graph permission)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def parked(self) -> list[ParkedRow]:
        query = (
            select(
                outbox.c.id,
                outbox.c.kind,
                bookings.c.reference,
                outbox.c.attempts,
                outbox.c.finished_at,
                outbox.c.last_error,
            )
            .select_from(outbox.outerjoin(bookings, bookings.c.id == outbox.c.booking_id))
            .where(outbox.c.status == PARKED)
            .order_by(outbox.c.finished_at, outbox.c.id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [
            ParkedRow(r.id, r.kind, r.reference, r.attempts, r.finished_at, r.last_error or "")
            for r in rows
        ]

    async def retry(self, ids: Collection[int] | None, now: datetime) -> list[int]:
        """Parked rows (all of them with None) back to pending, due now, with their attempts
        counted afresh. Returns the ids that were parked; others are left alone."""
        condition = outbox.c.status == PARKED
        if ids is not None:
            condition = condition & outbox.c.id.in_(list(ids))
        async with write_transaction(self._engine) as connection:
            result = await connection.execute(
                update(outbox)
                .where(condition)
                .values(status=PENDING, due_at=now, attempts=0, finished_at=None, lease_until=None)
                .returning(outbox.c.id)
            )
            retried = sorted(result.scalars())
            await connection.commit()
        return retried
