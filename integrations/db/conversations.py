"""Conversation state in the database, keyed by channel and user, with a version number so
that two instances handling the same citizen at once cannot overwrite each other."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.ports import StoredConversation
from domain.model import ChannelIdentity
from integrations.db.engine import one_statement_options
from integrations.db.tables import conversations

_IDENTITY = and_(
    conversations.c.channel == bindparam("who_channel"),
    conversations.c.user_id == bindparam("who_user_id"),
)
_LOAD = select(conversations.c.state, conversations.c.version).where(_IDENTITY)
_CREATE = insert(conversations).values(
    channel=bindparam("who_channel"),
    user_id=bindparam("who_user_id"),
    state=bindparam("new_state"),
    version=1,
    updated_at=bindparam("now"),
)
_REPLACE = (
    update(conversations)
    .where(_IDENTITY, conversations.c.version == bindparam("old_version"))
    .values(
        state=bindparam("new_state"), version=bindparam("new_version"), updated_at=bindparam("now")
    )
)
"""Built once: every event loads and saves a conversation."""


class SqlConversationStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def load(self, identity: ChannelIdentity) -> StoredConversation | None:
        async with self._engine.connect() as connection:
            await connection.execution_options(**one_statement_options(self._engine))
            result = await connection.execute(
                _LOAD, {"who_channel": identity.channel, "who_user_id": identity.user_id}
            )
            row = result.one_or_none()
        return StoredConversation(row.state, row.version) if row else None

    async def save(self, identity: ChannelIdentity, data: str, version: int | None) -> bool:
        values = {
            "who_channel": identity.channel,
            "who_user_id": identity.user_id,
            "new_state": data,
            "now": datetime.now(UTC),
        }
        async with self._engine.connect() as connection:
            await connection.execution_options(**one_statement_options(self._engine))
            if version is None:
                try:
                    await connection.execute(_CREATE, values)
                except IntegrityError:
                    return False
                return True
            result = await connection.execute(
                _REPLACE, {**values, "old_version": version, "new_version": version + 1}
            )
            return result.rowcount == 1
