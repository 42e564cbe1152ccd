"""The availability query reads active bookings from their index alone: `status` joins the
index's columns (SQLite does not count a partial index's condition as covered, and fetched
every booking's row to check it again).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status = 'active'")


def _replace(columns: list[str]) -> None:
    op.drop_index("ix_bookings_active_staff_time", table_name="bookings")
    op.create_index(
        "ix_bookings_active_staff_time",
        "bookings",
        columns,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def upgrade() -> None:
    _replace(["staff_id", "starts_at", "busy_until", "status"])


def downgrade() -> None:
    _replace(["staff_id", "starts_at", "busy_until"])
