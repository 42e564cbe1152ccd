"""The one query behind every availability view: the busy intervals of some staff members.

It returns one row per staff member, their intervals aggregated by the database as epoch seconds
(arrays on PostgreSQL, JSON arrays on SQLite), so that the month view of a busy office
moves ten rows into Python instead of two thousand: per-row overhead, not the database, is what
costs time there.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from json import loads
from operator import le
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, bindparam, cast, func, select, type_coerce
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.availability import Busy, BusyTimes
from domain.model import BookingStatus
from integrations.db.tables import bookings

MAX_APPOINTMENT_SPAN = timedelta(days=1)
"""No booking occupies more than this; it bounds the index range the query scans."""


async def fetch_busy_times(
    connection: AsyncConnection,
    staff_ids: Collection[str],
    start: datetime,
    end: datetime,
    ignoring: int | None,
) -> BusyTimes:
    dialect = connection.dialect.name
    parameters = {
        "staff_ids": list(staff_ids),
        "earliest_start": start - MAX_APPOINTMENT_SPAN,
        "start": start,
        "end": end,
        "ignoring": ignoring or 0,  # booking ids start at 1
    }
    rows = (await connection.execute(_QUERIES[dialect], parameters)).all()
    if dialect == "postgresql":
        return {staff_id: Busy(starts, ends) for staff_id, starts, ends in rows}
    return {staff_id: _busy(loads(starts), loads(ends)) for staff_id, starts, ends in rows}


def _query(*aggregates: Any) -> Select[Any]:
    """Built once: the month view should not pay for building a statement each time."""
    return (
        select(bookings.c.staff_id, *aggregates)
        .where(
            bookings.c.status == BookingStatus.ACTIVE.value,
            bookings.c.staff_id.in_(bindparam("staff_ids", expanding=True)),
            bookings.c.starts_at > bindparam("earliest_start"),
            bookings.c.starts_at < bindparam("end"),
            bookings.c.busy_until > bindparam("start"),
            bookings.c.id != bindparam("ignoring"),
        )
        .group_by(bookings.c.staff_id)
    )


def _postgres_epochs(column: Any) -> Any:
    seconds = cast(func.extract("epoch", column), BigInteger)
    return func.array_agg(aggregate_order_by(seconds, bookings.c.starts_at))


def _sqlite_epochs(column: Any) -> Any:
    # SQLite stores epoch seconds (UTCDateTime); JSON arrays are built and parsed in C.
    return func.json_group_array(type_coerce(column, Integer))


_QUERIES = {
    "postgresql": _query(
        _postgres_epochs(bookings.c.starts_at), _postgres_epochs(bookings.c.busy_until)
    ),
    "sqlite": _query(_sqlite_epochs(bookings.c.starts_at), _sqlite_epochs(bookings.c.busy_until)),
}


def _busy(starts: list[int], ends: list[int]) -> Busy:
    """SQLite does not promise an aggregate's order; it is nearly always in index order."""
    if all(map(le, starts, starts[1:])):
        return Busy(starts, ends)
    return Busy.from_intervals(zip(starts, ends, strict=True))
