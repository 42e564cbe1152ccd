"""Conversation state in the database, keyed by channel and user, with a version number so
that two instances handling the same citizen at once cannot overwrite each other."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.ports import StoredConversation
from domain.model import ChannelIdentity
from integrations.db.tables import conversations


class SqlConversationStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def _where(self, identity: ChannelIdentity) -> ColumnElement[bool]:
        return and_(
            conversations.c.channel == identity.channel,
            conversations.c.user_id == identity.user_id,
        )

    async def load(self, identity: ChannelIdentity) -> StoredConversation | None:
        async with self._engine.connect() as connection:
            result = await connection.execute(
                select(conversations.c.state, conversations.c.version).where(self._where(identity))
            )
            row = result.one_or_none()
        return StoredConversation(row.state, row.version) if row else None

    async def save(self, identity: ChannelIdentity, data: str, version: int | None) -> bool:
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            if version is None:
                try:
                    await connection.execute(
                        insert(conversations).values(
                            channel=identity.channel,
                            user_id=identity.user_id,
                            state=data,
                            version=1,
                            updated_at=now,
                        )
                    )
                except IntegrityError:
                    return False
                return True
            result = await connection.execute(
                update(conversations)
                .where(self._where(identity), conversations.c.version == version)
                .values(state=data, version=version + 1, updated_at=now)
            )
            return result.rowcount == 1
