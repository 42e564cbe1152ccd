"""One citizen's turns in order across instances that share PostgreSQL but no Redis: the
advisory lock of `PostgresPerCitizen`, on the machine's PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from domain.model import ChannelIdentity
from integrations.db.engine import create_engine
from integrations.turns import APPLICATION, PostgresPerCitizen
from tests.databases import POSTGRES_URL
from tests.integration.conftest import _reachable_postgres

pytestmark = pytest.mark.postgres

CITIZEN = ChannelIdentity("telegram", "501")
OTHER_CITIZEN = ChannelIdentity("telegram", "502")


@pytest.fixture
async def two_instances() -> AsyncIterator[tuple[PostgresPerCitizen, PostgresPerCitizen]]:
    await _reachable_postgres()
    prefix = f"test-{secrets.token_hex(4)}:"  # apart from other tests' locks
    first, second = (
        PostgresPerCitizen(POSTGRES_URL, prefix),
        PostgresPerCitizen(POSTGRES_URL, prefix),
    )
    yield first, second
    await first.close()
    await second.close()


async def _turn(instance: PostgresPerCitizen, who: ChannelIdentity, log: list[str], name: str):
    async with instance.turn(who):
        log.append(name)


async def test_a_citizens_turn_on_another_instance_waits_for_the_first_to_end(two_instances):
    first, second = two_instances
    log: list[str] = []
    async with first.turn(CITIZEN):
        waiting = asyncio.create_task(_turn(second, CITIZEN, log, "second instance"))
        await _turn(second, OTHER_CITIZEN, log, "another citizen")  # not held up
        done, _ = await asyncio.wait({waiting}, timeout=0.3)
        assert not done
        log.append("first instance ends")
    await waiting
    assert log == ["another citizen", "first instance ends", "second instance"]


async def test_a_killed_instances_locks_go_with_its_connection(two_instances):
    first, second = two_instances
    entered, never = asyncio.Event(), asyncio.Event()

    async def hold_forever() -> None:
        async with first.turn(CITIZEN):
            entered.set()
            await never.wait()

    holder = asyncio.create_task(hold_forever())
    await entered.wait()
    await first.close()  # as when its process dies: the connection closes
    log: list[str] = []
    await asyncio.wait_for(_turn(second, CITIZEN, log, "second instance"), 10)
    assert log == ["second instance"]
    holder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await holder


async def test_postgres_unreachable_the_turn_goes_on_with_one_warning(
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.WARNING, "integrations.turns")
    nowhere = PostgresPerCitizen("postgresql+asyncpg://127.0.0.1:1/none")
    log: list[str] = []
    try:
        for n in range(2):
            await _turn(nowhere, CITIZEN, log, f"turn {n}")
    finally:
        await nowhere.close()
    assert log == ["turn 0", "turn 1"]
    assert [r.getMessage() for r in caplog.records] == [
        "PostgreSQL's locks are unreachable: citizens' turns are ordered per instance only"
    ]


async def test_a_dropped_lock_connection_is_opened_again_and_the_turns_stay_in_order(
    two_instances, caplog: pytest.LogCaptureFixture
):
    first, second = two_instances
    log: list[str] = []
    await _turn(first, CITIZEN, log, "before")
    await _turn(second, CITIZEN, log, "before")
    await _end_lock_connections()  # PostgreSQL restarted, or a firewall dropped them
    caplog.set_level(logging.WARNING, "integrations.turns")
    async with first.turn(CITIZEN):
        waiting = asyncio.create_task(_turn(second, CITIZEN, log, "second instance"))
        done, _ = await asyncio.wait({waiting}, timeout=0.3)
        assert not done
        log.append("first instance ends")
    await waiting
    assert log[2:] == ["first instance ends", "second instance"]
    assert not caplog.records


async def _end_lock_connections() -> None:
    admin = create_engine(POSTGRES_URL)
    try:
        async with admin.connect() as connection:
            ended = await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": APPLICATION},
            )
            assert len(ended.all()) >= 2
    finally:
        await admin.dispose()
