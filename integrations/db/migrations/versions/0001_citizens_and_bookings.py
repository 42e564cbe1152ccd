"""Citizens and bookings; active bookings of one staff member can never overlap.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True).with_variant(sa.Integer(), "sqlite")
"""timestamptz on PostgreSQL; epoch seconds on SQLite (see integrations.db.tables.UTCDateTime)."""

# SQLite has no exclusion constraints: these triggers refuse an overlapping active booking of
# the same staff member, whatever code writes it.
SQLITE_OVERLAP_GUARD = """
CREATE TRIGGER bookings_no_overlap_{event}
BEFORE {event_sql} ON bookings
WHEN NEW.status = 'active'
BEGIN
    SELECT RAISE(ABORT, 'booking_overlap')
    WHERE EXISTS (
        SELECT 1 FROM bookings AS other
        WHERE other.staff_id = NEW.staff_id
          AND other.status = 'active'
          AND other.id IS NOT NEW.id
          AND other.starts_at < NEW.busy_until
          AND other.busy_until > NEW.starts_at
    );
END
"""


def upgrade() -> None:
    op.create_table(
        "citizens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("channel_user_id", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(200)),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(32)),
        sa.Column("language", sa.String(8), nullable=False, server_default="el"),
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="Europe/Athens"),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_citizens"),
        sa.UniqueConstraint(
            "channel", "channel_user_id", name="uq_citizens_channel_channel_user_id"
        ),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("municipality_id", sa.String(40), nullable=False),
        sa.Column("service_id", sa.String(40), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("staff_chosen_by_citizen", sa.Boolean, nullable=False),
        sa.Column("starts_at", INSTANT, nullable=False),
        sa.Column("ends_at", INSTANT, nullable=False),
        sa.Column("busy_until", INSTANT, nullable=False),
        sa.Column("citizen_id", sa.Integer, nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("application_number", sa.String(100)),
        sa.Column("third_person_name", sa.String(200)),
        sa.Column("third_person_email", sa.String(254)),
        sa.Column("consent_version", sa.String(64), nullable=False),
        sa.Column("consented_at", INSTANT, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bookings"),
        sa.UniqueConstraint("reference", name="uq_bookings_reference"),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name="fk_bookings_citizen_id_citizens"
        ),
        sa.CheckConstraint("ends_at > starts_at", name="ck_bookings_ends_after_start"),
        sa.CheckConstraint("busy_until >= ends_at", name="ck_bookings_busy_until_after_end"),
        sa.CheckConstraint("status IN ('active', 'cancelled')", name="ck_bookings_known_status"),
    )
    op.create_index("ix_bookings_starts_at", "bookings", ["starts_at"])
    # Covers the availability query: each staff member's active bookings in time order.
    op.create_index(
        "ix_bookings_active_staff_time",
        "bookings",
        ["staff_id", "starts_at", "busy_until"],
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index("ix_bookings_citizen_id_status", "bookings", ["citizen_id", "status"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_staff_time_overlap "
            "EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, busy_until, '[)') WITH &&) "
            "WHERE (status = 'active')"
        )
    else:
        op.execute(SQLITE_OVERLAP_GUARD.format(event="insert", event_sql="INSERT"))
        op.execute(SQLITE_OVERLAP_GUARD.format(event="update", event_sql="UPDATE"))


def downgrade() -> None:
    op.drop_table("bookings")
    op.drop_table("citizens")
