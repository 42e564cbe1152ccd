"""The staff desk: attendance recorded on each booking (by whom, when), the office's reason for
a cancellation, time off entered from Telegram, every staff action for the audit, and which
morning lists and nudges have gone (so that several workers send each once).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True).with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMN: a rebuilt bookings table would lose SQLite's overlap triggers.
    op.add_column("bookings", sa.Column("cancel_reason", sa.String(300)))
    op.add_column("bookings", sa.Column("attendance", sa.String(16)))
    op.add_column("bookings", sa.Column("attendance_by", sa.String(64)))
    op.add_column("bookings", sa.Column("attendance_at", INSTANT))
    op.create_table(
        "staff_time_off",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("starts_at", INSTANT, nullable=False),
        sa.Column("ends_at", INSTANT, nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_time_off"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_staff_time_off_ends_after_start"),
    )
    op.create_index(
        "ix_staff_time_off_staff_id_starts_at_ends_at",
        "staff_time_off",
        ["staff_id", "starts_at", "ends_at"],
    )
    op.create_table(
        "staff_actions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("booking_id", sa.Integer),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_actions"),
    )
    op.create_index("ix_staff_actions_at", "staff_actions", ["at"])
    op.create_table(
        "staff_desk_sends",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("sent_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("kind", "day", "staff_id", name="pk_staff_desk_sends"),
    )


def downgrade() -> None:
    op.drop_table("staff_desk_sends")
    op.drop_table("staff_actions")
    op.drop_table("staff_time_off")
    with op.batch_alter_table("bookings") as table:
        for column in ("attendance_at", "attendance_by", "attendance", "cancel_reason"):
            table.drop_column(column)
