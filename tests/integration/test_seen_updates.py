"""A Telegram update (or Viber callback) is handled once across instances, and never lost when
handling fails or the process dies half-way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.migrate import upgrade
from integrations.db.seen_updates import CLAIM_EXPIRES, SqlSeenUpdates
from integrations.db.tables import viber_callbacks


async def test_an_update_is_claimed_once_even_by_instances_at_the_same_moment(
    empty_engine: AsyncEngine,
):
    await upgrade(empty_engine)
    instances = [SqlSeenUpdates(empty_engine) for _ in range(5)]
    claims = await asyncio.gather(*(seen.claim(42) for seen in instances))
    assert claims.count(True) == 1
    await instances[claims.index(True)].handled(42)
    assert not await instances[0].claim(42)


async def test_a_failed_update_can_be_handled_when_redelivered(empty_engine: AsyncEngine):
    await upgrade(empty_engine)
    seen = SqlSeenUpdates(empty_engine)
    assert await seen.claim(7)
    await seen.release(7)
    assert await seen.claim(7)


async def test_a_claim_whose_process_died_expires_and_a_handled_one_does_not(
    empty_engine: AsyncEngine,
):
    await upgrade(empty_engine)
    now = [datetime(2026, 12, 1, 10, 0, tzinfo=UTC)]
    seen = SqlSeenUpdates(empty_engine, clock=lambda: now[0])
    assert await seen.claim(8)  # this process "dies": neither handled nor released
    assert await seen.claim(9)
    await seen.handled(9)
    now[0] += CLAIM_EXPIRES - timedelta(seconds=1)
    assert not await seen.claim(8)  # still fresh: another instance may be handling it
    assert not await seen.was_handled(8)  # so the webhook asks Telegram for it later
    now[0] += timedelta(seconds=2)
    assert await seen.claim(8)  # expired: the redelivery is handled
    assert not await seen.claim(9)  # handled stays handled
    assert await seen.was_handled(9)


async def test_viber_callbacks_are_claimed_once_and_apart_from_telegram_updates(
    empty_engine: AsyncEngine,
):
    await upgrade(empty_engine)
    instances = [SqlSeenUpdates(empty_engine, viber_callbacks) for _ in range(5)]
    token = "5098034272017990000"
    claims = await asyncio.gather(*(seen.claim(token) for seen in instances))
    assert claims.count(True) == 1
    await instances[claims.index(True)].handled(token)
    assert not await instances[0].claim(token)
    assert await SqlSeenUpdates(empty_engine).claim(int(token))  # a Telegram update of that id
