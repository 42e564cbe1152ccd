"""The staff's other commitments as read from Outlook: replaced for a window at each read, and
when each staff member was last read (how old the intervals in force are)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.busy_times import MAX_APPOINTMENT_SPAN
from integrations.db.engine import insert_for, write_transaction
from integrations.db.tables import staff_busy, staff_busy_reads

Span = tuple[datetime, datetime]


def merged(spans: Sequence[Span]) -> list[Span]:
    """Overlapping or touching spans as one: availability expects them apart."""
    result: list[Span] = []
    for start, end in sorted(spans):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def _by_the_day(start: datetime, end: datetime) -> list[Span]:
    """A week's absence as seven rows: the availability query only looks a day back."""
    pieces = []
    while end - start > MAX_APPOINTMENT_SPAN:
        pieces.append((start, start + MAX_APPOINTMENT_SPAN))
        start += MAX_APPOINTMENT_SPAN
    return [*pieces, (start, end)]


class SqlStaffBusy:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def replace(
        self, staff_id: str, window: Span, spans: Sequence[Span], now: datetime
    ) -> None:
        """What Outlook says of [window) now; spans reaching outside it are cut to it."""
        low, high = window
        kept = [
            piece
            for s, e in merged(spans)
            if e > low and s < high
            for piece in _by_the_day(max(s, low), min(e, high))
        ]
        async with write_transaction(self._engine) as connection:
            await connection.execute(
                delete(staff_busy).where(
                    staff_busy.c.staff_id == staff_id,
                    staff_busy.c.starts_at < high,
                    staff_busy.c.ends_at > low,
                )
            )
            if kept:
                await connection.execute(
                    insert(staff_busy),
                    [{"staff_id": staff_id, "starts_at": s, "ends_at": e} for s, e in kept],
                )
            dialect_insert = insert_for(connection.dialect.name)
            await connection.execute(
                dialect_insert(staff_busy_reads)
                .values(staff_id=staff_id, read_at=now)
                .on_conflict_do_update(index_elements=["staff_id"], set_={"read_at": now})
            )
            await connection.commit()

    async def last_read(self) -> dict[str, datetime]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(staff_busy_reads))
            return {row.staff_id: row.read_at for row in rows}
