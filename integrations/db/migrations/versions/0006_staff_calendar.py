"""The staff member's calendar: what each staff member's calendar has been told of a booking
(an Outlook event, or an e-mail with a calendar file), so that a move to another staff member
takes the entry out of the first calendar; the staff's busy times read from Outlook, and when
each was last read; which meetings are Outlook events (the older ones are
bare online meetings); and who cancelled a booking.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True).with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "staff_calendar",
        sa.Column("booking_id", sa.Integer, nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(500)),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("cancelled", sa.Boolean, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("booking_id", "staff_id", name="pk_staff_calendar"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_staff_calendar_booking_id_bookings"
        ),
    )
    op.create_table(
        "staff_busy",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("starts_at", INSTANT, nullable=False),
        sa.Column("ends_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_busy"),
    )
    op.create_index(
        "ix_staff_busy_staff_id_starts_at_ends_at",
        "staff_busy",
        ["staff_id", "starts_at", "ends_at"],
    )
    op.create_table(
        "staff_busy_reads",
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("read_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("staff_id", name="pk_staff_busy_reads"),
    )
    # Plain ADD COLUMN on both databases: a rebuilt bookings table would lose SQLite's
    # overlap triggers.
    op.add_column(
        "video_meetings",
        sa.Column("calendar_event", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("bookings", sa.Column("cancelled_by", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as table:
        table.drop_column("cancelled_by")
    with op.batch_alter_table("video_meetings") as table:
        table.drop_column("calendar_event")
    op.drop_table("staff_calendar")
    op.drop_table("staff_busy_reads")
    op.drop_table("staff_busy")
