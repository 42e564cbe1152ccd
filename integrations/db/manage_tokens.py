"""The tokens in e-mailed manage links: 128 random bits, kept only as a SHA-256 hash, so the
database alone cannot be used to take over a booking.

Each e-mail gets a fresh token; all of a booking's tokens open it until it is over.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.engine import write_transaction
from integrations.db.tables import manage_tokens

TOKEN_BYTES = 16
"""128 bits; 22 characters in URL-safe Base64, which a Telegram deep link can carry."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


class SqlManageTokens:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def issue(self, booking_id: int, now: datetime) -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        async with write_transaction(self._engine) as connection:
            await connection.execute(
                manage_tokens.insert().values(
                    token_hash=token_hash(token), booking_id=booking_id, created_at=now
                )
            )
            await connection.commit()
        return token

    async def booking_for(self, token: str) -> int | None:
        async with self._engine.connect() as connection:
            result = await connection.execute(
                select(manage_tokens.c.booking_id).where(
                    manage_tokens.c.token_hash == token_hash(token)
                )
            )
            return result.scalar_one_or_none()
