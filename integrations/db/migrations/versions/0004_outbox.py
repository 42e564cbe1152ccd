"""The outbox: notifications written with the booking change that caused them, delivered by
the worker; the hashes of the tokens in e-mailed manage links; and each video call's meeting.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True).with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("booking_id", sa.Integer),
        sa.Column("change", sa.String(16)),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("due_at", INSTANT, nullable=False),
        sa.Column("depends_on", sa.String(200)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_until", INSTANT),
        sa.Column("last_error", sa.String(300)),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("finished_at", INSTANT),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_outbox_booking_id_bookings"
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'parked', 'dropped')", name="ck_outbox_known_status"
        ),
    )
    op.create_index(
        "ix_outbox_pending_due_at",
        "outbox",
        ["due_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index("ix_outbox_booking_id", "outbox", ["booking_id"])
    op.create_table(
        "manage_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("booking_id", sa.Integer, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_manage_tokens"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_manage_tokens_booking_id_bookings"
        ),
    )

    op.create_table(
        "video_meetings",
        sa.Column("booking_id", sa.Integer, nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("organizer_id", sa.String(64), nullable=False),
        sa.Column("meeting_id", sa.String(500), nullable=False),
        sa.Column("join_url", sa.Text, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name="pk_video_meetings"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name="fk_video_meetings_booking_id_bookings"
        ),
    )


def downgrade() -> None:
    op.drop_table("video_meetings")
    op.drop_table("manage_tokens")
    op.drop_table("outbox")
