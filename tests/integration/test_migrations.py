"""The same migrations build the schema on an empty SQLite file and an empty PostgreSQL schema."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.availability import SlotQuery
from domain.model import Mode
from domain.use_cases import find_available_days, find_available_times
from integrations.db.migrate import upgrade
from integrations.db.storage import SqlStorage
from tests.factories import athens, municipality, staff


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_migrations_build_an_empty_database_and_can_run_again(empty_engine: AsyncEngine):
    assert await _tables(empty_engine) == set()
    await upgrade(empty_engine)
    assert {"citizens", "bookings", "alembic_version"} <= await _tables(empty_engine)
    await upgrade(empty_engine)  # nothing left to do, nothing breaks
    async with empty_engine.connect() as connection:
        version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    assert version == [("0010",)]


async def test_the_schema_guards_against_overlaps(empty_engine: AsyncEngine):
    await upgrade(empty_engine)
    async with empty_engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            query = "SELECT conname FROM pg_constraint WHERE contype = 'x'"
            expected = {"ex_bookings_staff_time_overlap"}
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            expected = {"bookings_no_overlap_insert", "bookings_no_overlap_update"}
        guards = {row[0] for row in await connection.execute(text(query))}
    assert expected <= guards


async def test_each_availability_view_issues_one_query(storage: SqlStorage):
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    chania = municipality(staff("anna"), staff("babis"))
    query = SlotQuery("permits", Mode.IN_PERSON)
    now = athens(date(2026, 12, 1), "12:00")
    event.listen(storage.engine.sync_engine, "before_cursor_execute", record)
    try:
        days = await find_available_days(
            storage, chania, query, date(2026, 12, 1), date(2026, 12, 31), now
        )
        assert len(statements) == 1
        await find_available_times(storage, chania, query, days[0], now)
        assert len(statements) == 2
    finally:
        event.remove(storage.engine.sync_engine, "before_cursor_execute", record)
