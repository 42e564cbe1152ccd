"""Erasing a citizen's personal data from the tables that hold it: a booking's fields (keeping
what the office's figures need), and what a citizen leaves outside bookings (saved details,
conversation, manage links, Viber subscription, their record itself).

Used by /forgetme (one citizen, now) and by the worker's purge (everyone past the configured
periods). Every statement is idempotent: erased rows are skipped, so two workers at once, or a
purge after /forgetme, change nothing twice."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, not_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import CancelReason, Citizen
from integrations.db.tables import (
    bookings,
    citizens,
    conversations,
    manage_tokens,
    outbox,
    staff_actions,
    viber_subscribers,
)

PICKED_REASONS = tuple(reason.value for reason in CancelReason)
"""An office's cancel reason picked from the list says nothing about the citizen: kept."""


def _erased_values(now: datetime) -> dict[str, Any]:
    return {
        "full_name": "",
        "email": "",
        "phone": "",
        "subject": "",
        "application_number": None,
        "third_person_name": None,
        "third_person_email": None,
        "citizen_id": None,
        "cancel_reason": case(
            (bookings.c.cancel_reason.in_(PICKED_REASONS), bookings.c.cancel_reason), else_=None
        ),
        "personal_data_removed_at": now,
    }


def notices_pending() -> ColumnElement[bool]:
    """A booking some notification still waits to be sent for (the cancellation e-mail of a
    citizen who asked to be forgotten): erased once it has gone."""
    return exists().where(outbox.c.booking_id == bookings.c.id, outbox.c.status == "pending")


async def erase_bookings(
    connection: AsyncConnection, which: ColumnElement[bool], now: datetime
) -> list[int]:
    """Erases the personal fields of the bookings `which` selects; returns their ids."""
    erased = await connection.execute(
        update(bookings)
        .where(which, bookings.c.personal_data_removed_at.is_(None))
        .values(_erased_values(now))
        .returning(bookings.c.id)
    )
    ids = list(erased.scalars())
    if ids:
        await _erase_traces(connection, ids)
    return ids


async def _erase_traces(connection: AsyncConnection, booking_ids: Collection[int]) -> None:
    """What else carries those bookings' personal data: their manage links, and the reason a
    staff member typed when calling one off (the audit keeps who and when)."""
    await connection.execute(
        delete(manage_tokens).where(manage_tokens.c.booking_id.in_(booking_ids))
    )
    await connection.execute(
        update(staff_actions)
        .where(
            staff_actions.c.booking_id.in_(booking_ids),
            staff_actions.c.action == "cancel",
            staff_actions.c.detail.not_in(PICKED_REASONS),
        )
        .values(detail="")
    )


async def erase_or_mark(
    connection: AsyncConnection, booking_ids: Collection[int], now: datetime
) -> int:
    """Erases now the bookings nothing waits for; marks the others, which the purge erases
    once their notifications are sent. Returns how many were erased now."""
    if not booking_ids:
        return 0
    chosen = bookings.c.id.in_(booking_ids)
    await connection.execute(
        update(bookings)
        .where(chosen, bookings.c.erase_requested_at.is_(None))
        .values(erase_requested_at=now)
    )
    return len(await erase_bookings(connection, and_(chosen, not_(notices_pending())), now))


async def forget_leftovers(connection: AsyncConnection, citizen: Citizen) -> None:
    """Everything of the citizen's outside bookings; their record too once no booking refers
    to it (a booking whose cancellation e-mail is still to go keeps it until then)."""
    identity = citizen.identity
    await connection.execute(
        delete(conversations).where(
            conversations.c.channel == identity.channel,
            conversations.c.user_id == identity.user_id,
        )
    )
    if identity.channel == "viber":
        await connection.execute(
            delete(viber_subscribers).where(viber_subscribers.c.user_id == identity.user_id)
        )
    own = select(bookings.c.id).where(bookings.c.citizen_id == citizen.id)
    await connection.execute(delete(manage_tokens).where(manage_tokens.c.booking_id.in_(own)))
    await connection.execute(
        update(citizens)
        .where(citizens.c.id == citizen.id)
        .values(full_name=None, email=None, phone=None)
    )
    await delete_citizens_with_nothing_left(connection, citizens.c.id == citizen.id)


def nothing_left() -> ColumnElement[bool]:
    """A citizen no booking refers to, with no conversation in progress."""
    return and_(
        ~exists().where(bookings.c.citizen_id == citizens.c.id),
        ~exists().where(
            conversations.c.channel == citizens.c.channel,
            conversations.c.user_id == citizens.c.channel_user_id,
        ),
    )


async def delete_citizens_with_nothing_left(
    connection: AsyncConnection, which: ColumnElement[bool]
) -> int:
    result = await connection.execute(delete(citizens).where(which, nothing_left()))
    return result.rowcount or 0
