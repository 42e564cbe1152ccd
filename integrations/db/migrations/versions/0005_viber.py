"""Viber: the callbacks claimed or handled (a repeated message_token is handled once), and who
is subscribed (nothing is sent to a citizen who unsubscribed).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True).with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "viber_callbacks",
        sa.Column("message_token", sa.String(32), nullable=False),
        sa.Column("received_at", INSTANT, nullable=False),
        sa.Column("handled", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("message_token", name="pk_viber_callbacks"),
    )
    op.create_index("ix_viber_callbacks_received_at", "viber_callbacks", ["received_at"])
    op.create_table(
        "viber_subscribers",
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("subscribed", sa.Boolean, nullable=False),
        sa.Column("changed_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_viber_subscribers"),
    )


def downgrade() -> None:
    op.drop_table("viber_subscribers")
    op.drop_table("viber_callbacks")
