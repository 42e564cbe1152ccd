"""Each summary the citizen confirms carries a key, kept with the booking it made (unique) or
as the last change it made: a replayed Confirm — a double tap, a retry, a restart, another
instance — finds what the first one did instead of doing it again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN and a separate unique index: a rebuilt bookings table would lose
    # SQLite's overlap triggers.
    op.add_column("bookings", sa.Column("request_key", sa.String(64)))
    op.add_column("bookings", sa.Column("last_change_key", sa.String(64)))
    op.create_index("uq_bookings_request_key", "bookings", ["request_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_bookings_request_key", table_name="bookings")
    with op.batch_alter_table("bookings") as table:
        table.drop_column("last_change_key")
        table.drop_column("request_key")
