"""Personal data kept only as long as configured: a booking remembers when its personal fields
were erased (or that its citizen asked for it), can outlive its citizen's record, and the exact
declarations citizens accepted are kept once each, in both languages.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True).with_variant(sa.Integer(), "sqlite")
CITIZEN_ID_REQUIRED = "citizen_id INTEGER NOT NULL"


def upgrade() -> None:
    op.add_column("bookings", sa.Column("personal_data_removed_at", INSTANT))
    op.add_column("bookings", sa.Column("erase_requested_at", INSTANT))
    op.create_index(
        "ix_bookings_ends_at",
        "bookings",
        ["ends_at"],
        sqlite_where=sa.text("personal_data_removed_at IS NULL"),
        postgresql_where=sa.text("personal_data_removed_at IS NULL"),
    )
    _citizen_id_optional()
    op.create_index("ix_conversations_updated_at", "conversations", ["updated_at"])
    op.create_index("ix_outbox_finished_at", "outbox", ["finished_at"])
    op.create_table(
        "consent_texts",
        sa.Column("text_hash", sa.String(32), nullable=False),
        sa.Column("el", sa.Text, nullable=False),
        sa.Column("en", sa.Text, nullable=False),
        sa.Column("recorded_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("text_hash", name="pk_consent_texts"),
    )


def _citizen_id_optional() -> None:
    """A booking stripped of personal data keeps no link to its citizen, whose record can then
    go. SQLite cannot drop a NOT NULL with ALTER TABLE, and rebuilding the table would lose its
    overlap triggers and trip the foreign keys of the tables that refer to it; SQLite documents
    this edit of the stored schema for removing a NOT NULL constraint
    (https://www.sqlite.org/lang_altertable.html#otheralter): the file's format is unchanged."""
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.alter_column("bookings", "citizen_id", nullable=True)
        return
    schema = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'bookings'"
    ).scalar_one()
    if CITIZEN_ID_REQUIRED not in schema:
        raise RuntimeError("bookings.citizen_id is not as migration 0001 made it")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'bookings'",
        (schema.replace(CITIZEN_ID_REQUIRED, "citizen_id INTEGER"),),
    )
    connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def downgrade() -> None:
    op.drop_table("consent_texts")
    op.drop_index("ix_outbox_finished_at", table_name="outbox")
    op.drop_index("ix_conversations_updated_at", table_name="conversations")
    op.drop_index("ix_bookings_ends_at", table_name="bookings")
    # citizen_id stays optional: bookings whose citizen is gone cannot get one back.
    with op.batch_alter_table("bookings") as table:
        table.drop_column("erase_requested_at")
        table.drop_column("personal_data_removed_at")
