"""The one query behind every availability view: the busy intervals of some staff members,
from their bookings, from what their Outlook calendars say (`staff_busy`) and from the time off
entered at the staff desk (`staff_time_off`).

It returns a row per staff member and source, their intervals aggregated by the database as
epoch seconds (arrays on PostgreSQL, JSON arrays on SQLite), so that the month view of a busy office
moves ten rows into Python instead of two thousand: per-row overhead, not the database, is what
costs time there.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from json import loads
from operator import le
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    bindparam,
    cast,
    func,
    literal,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.availability import Busy, BusyTimes
from domain.model import BookingStatus
from integrations.db.tables import bookings, staff_busy, staff_time_off

MAX_APPOINTMENT_SPAN = timedelta(days=1)
"""No booking, and no stored busy interval, spans more than this (a longer absence is stored a
day at a time); it bounds the index range the query scans."""


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
    layers: dict[int, dict[str, Busy]] = {_BOOKINGS: {}, _OUTLOOK: {}, _TIME_OFF: {}}
    for staff_id, layer, starts, ends in rows:
        if dialect == "postgresql":
            layers[layer][staff_id] = Busy(starts, ends)
        else:
            layers[layer][staff_id] = _busy(loads(starts), loads(ends))
    elsewhere = layers[_OUTLOOK]
    for staff_id, away in layers[_TIME_OFF].items():
        outlook = elsewhere.get(staff_id, Busy((), ()))
        elsewhere[staff_id] = Busy.merged(
            [*_intervals(away), *_intervals(outlook)]  # time off may overlap a meeting
        )
    if not elsewhere:
        return layers[_BOOKINGS]
    result = dict(layers[_BOOKINGS])
    for staff_id, other in elsewhere.items():
        own = result.get(staff_id, Busy((), ()))
        result[staff_id] = Busy(own.starts, own.ends, other)
    return result


_BOOKINGS, _OUTLOOK, _TIME_OFF = 0, 1, 2


def _query(
    booking_aggregates: tuple[Any, Any],
    outlook_aggregates: tuple[Any, Any],
    time_off_aggregates: tuple[Any, Any],
) -> Any:
    """Built once: the month view should not pay for building a statement each time."""
    from_bookings = (
        select(bookings.c.staff_id, literal(_BOOKINGS).label("layer"), *booking_aggregates)
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
    from_outlook = (
        select(staff_busy.c.staff_id, literal(_OUTLOOK).label("layer"), *outlook_aggregates)
        .where(
            staff_busy.c.staff_id.in_(bindparam("staff_ids", expanding=True)),
            staff_busy.c.starts_at > bindparam("earliest_start"),
            staff_busy.c.starts_at < bindparam("end"),
            staff_busy.c.ends_at > bindparam("start"),
        )
        .group_by(staff_busy.c.staff_id)
    )
    # Time off may be longer than a day, so no lower bound on its start: the desk's rows are few.
    from_time_off = (
        select(staff_time_off.c.staff_id, literal(_TIME_OFF).label("layer"), *time_off_aggregates)
        .where(
            staff_time_off.c.staff_id.in_(bindparam("staff_ids", expanding=True)),
            staff_time_off.c.starts_at < bindparam("end"),
            staff_time_off.c.ends_at > bindparam("start"),
        )
        .group_by(staff_time_off.c.staff_id)
    )
    return union_all(from_bookings, from_outlook, from_time_off)


def _postgres_epochs(column: Any, order: Any) -> Any:
    seconds = cast(func.extract("epoch", column), BigInteger)
    return func.array_agg(aggregate_order_by(seconds, order))


def _sqlite_epochs(column: Any) -> Any:
    # SQLite stores epoch seconds (UTCDateTime); JSON arrays are built and parsed in C.
    return func.json_group_array(type_coerce(column, Integer))


_QUERIES = {
    "postgresql": _query(
        (
            _postgres_epochs(bookings.c.starts_at, bookings.c.starts_at),
            _postgres_epochs(bookings.c.busy_until, bookings.c.starts_at),
        ),
        (
            _postgres_epochs(staff_busy.c.starts_at, staff_busy.c.starts_at),
            _postgres_epochs(staff_busy.c.ends_at, staff_busy.c.starts_at),
        ),
        (
            _postgres_epochs(staff_time_off.c.starts_at, staff_time_off.c.starts_at),
            _postgres_epochs(staff_time_off.c.ends_at, staff_time_off.c.starts_at),
        ),
    ),
    "sqlite": _query(
        (_sqlite_epochs(bookings.c.starts_at), _sqlite_epochs(bookings.c.busy_until)),
        (_sqlite_epochs(staff_busy.c.starts_at), _sqlite_epochs(staff_busy.c.ends_at)),
        (_sqlite_epochs(staff_time_off.c.starts_at), _sqlite_epochs(staff_time_off.c.ends_at)),
    ),
}


def _intervals(busy: Busy) -> list[tuple[int, int]]:
    return list(zip(busy.starts, busy.ends, strict=True))


def _busy(starts: list[int], ends: list[int]) -> Busy:
    """SQLite does not promise an aggregate's order; it is nearly always in index order."""
    if all(map(le, starts, starts[1:])):
        return Busy(starts, ends)
    return Busy.from_intervals(zip(starts, ends, strict=True))
