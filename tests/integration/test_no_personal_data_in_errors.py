"""A database error, logged with its message, must not carry a citizen's details."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_database_errors_leave_out_the_values(empty_engine: AsyncEngine):
    async with empty_engine.connect() as connection:
        with pytest.raises(DBAPIError) as failed:
            await connection.execute(
                text("SELECT * FROM no_such_table WHERE email = :email"),
                {"email": "maria.papadaki@example.com"},
            )
    assert "maria.papadaki" not in str(failed.value)
    assert "parameters hidden" in str(failed.value)
