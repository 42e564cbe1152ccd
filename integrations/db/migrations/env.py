"""Alembic environment. `integrations.db.migrate` hands in an open connection; the `alembic`
command line (alembic.ini) connects to DATABASE_URL itself."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from integrations.db.engine import create_engine
from integrations.db.tables import metadata
from integrations.settings import Settings


def run_on(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_on_own_engine() -> None:
    engine = create_engine(Settings.from_env().database_url)
    async with engine.connect() as connection:
        await connection.run_sync(run_on)
        await connection.commit()
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    asyncio.run(run_on_own_engine())
