"""Conversation state in the database, keyed by channel and user, with a version number so
that two instances handling the same citizen at once cannot overwrite each other."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.ports import Loaded, Preferences, StoredConversation
from domain.model import ChannelIdentity
from integrations.db.engine import one_statement_options
from integrations.db.tables import citizens, conversations

_IDENTITY = and_(
    conversations.c.channel == bindparam("who_channel"),
    conversations.c.user_id == bindparam("who_user_id"),
)
_CITIZEN = and_(
    citizens.c.channel == bindparam("who_channel"),
    citizens.c.channel_user_id == bindparam("who_user_id"),
)
# Both rows in one round trip: the citizen's (their language and time zone) and the
# conversation's, either of which may not exist yet.
_LOAD = (
    select(
        literal(1).label("found"),
        conversations.c.state,
        conversations.c.version,
        citizens.c.language,
        citizens.c.time_zone,
    )
    .select_from(conversations)
    .outerjoin(
        citizens,
        and_(
            citizens.c.channel == conversations.c.channel,
            citizens.c.channel_user_id == conversations.c.user_id,
        ),
    )
    .where(_IDENTITY)
    .union_all(
        select(
            literal(0).label("found"),
            literal(None).label("state"),
            literal(None).label("version"),
            citizens.c.language,
            citizens.c.time_zone,
        ).where(_CITIZEN)
    )
)
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
    def __init__(
        self, engine: AsyncEngine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        """`clock`: when a conversation was saved (the purge of idle ones reads it)."""
        self._engine = engine
        self._clock = clock

    async def load(self, identity: ChannelIdentity) -> Loaded:
        async with self._engine.connect() as connection:
            await connection.execution_options(**one_statement_options(self._engine))
            result = await connection.execute(
                _LOAD, {"who_channel": identity.channel, "who_user_id": identity.user_id}
            )
            rows = result.all()
        stored = next((StoredConversation(r.state, r.version) for r in rows if r.found), None)
        home = next(
            (Preferences(r.language, r.time_zone) for r in rows if r.language is not None), None
        )
        return Loaded(stored, home)

    async def save(self, identity: ChannelIdentity, data: str, version: int | None) -> bool:
        values = {
            "who_channel": identity.channel,
            "who_user_id": identity.user_id,
            "new_state": data,
            "now": self._clock(),
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
