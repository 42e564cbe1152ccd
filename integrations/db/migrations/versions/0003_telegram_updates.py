"""Telegram update ids claimed or handled, shared by all instances, so a repeated update is
handled once and a claim whose process died can be taken again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True).with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("received_at", INSTANT, nullable=False),
        sa.Column("handled", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("update_id", name="pk_telegram_updates"),
    )
    op.create_index("ix_telegram_updates_received_at", "telegram_updates", ["received_at"])


def downgrade() -> None:
    op.drop_table("telegram_updates")
