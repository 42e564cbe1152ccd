"""Table definitions for queries. The schema itself is made by the Alembic migrations, which
also add what these definitions cannot say portably (the overlap guards)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out. PostgreSQL stores timestamptz; SQLite stores whole epoch
    seconds (read them with `datetime(starts_at, 'unixepoch')`): integers compare as time, and
    reading thousands back costs nothing, which keeps the month view fast."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        if dialect.name == "sqlite":
            return int(value.timestamp())
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, int):
            return datetime.fromtimestamp(value, UTC)
        assert isinstance(value, datetime)
        return value.astimezone(UTC)


citizens = Table(
    "citizens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("channel_user_id", String(64), nullable=False),
    Column("full_name", String(200)),
    Column("email", String(254)),
    Column("phone", String(32)),
    Column("language", String(8), nullable=False, server_default="el"),
    Column("time_zone", String(64), nullable=False, server_default="Europe/Athens"),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel", "channel_user_id"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("municipality_id", String(40), nullable=False),
    Column("service_id", String(40), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("staff_id", String(64), nullable=False),
    Column("staff_chosen_by_citizen", Boolean, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("busy_until", UTCDateTime, nullable=False),
    Column("citizen_id", Integer, ForeignKey("citizens.id")),  # None once personal data is erased
    Column("full_name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("subject", Text, nullable=False),
    Column("application_number", String(100)),
    Column("third_person_name", String(200)),
    Column("third_person_email", String(254)),
    Column("consent_version", String(64), nullable=False),
    Column("consented_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("sequence", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("cancelled_by", String(64)),
    Column("cancel_reason", String(300)),
    Column("attendance", String(16)),
    Column("attendance_by", String(64)),
    Column("attendance_at", UTCDateTime),
    Column("request_key", String(64), unique=True),
    Column("last_change_key", String(64)),
    Column("personal_data_removed_at", UTCDateTime),
    Column("erase_requested_at", UTCDateTime),  # forgotten: erased once its notices are sent
    CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    CheckConstraint("busy_until >= ends_at", name="busy_until_after_end"),
    CheckConstraint("status IN ('active', 'cancelled')", name="known_status"),
    Index("ix_bookings_starts_at", "starts_at"),
    Index(
        "ix_bookings_active_staff_time",
        "staff_id",
        "starts_at",
        "busy_until",
        "status",  # so that the availability query reads the index alone
        sqlite_where=text("status = 'active'"),
        postgresql_where=text("status = 'active'"),
    ),
    Index("ix_bookings_citizen_id_status", "citizen_id", "status"),
    Index(
        "ix_bookings_ends_at",
        "ends_at",
        sqlite_where=text("personal_data_removed_at IS NULL"),
        postgresql_where=text("personal_data_removed_at IS NULL"),
    ),
)

conversations = Table(
    "conversations",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("state", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_conversations_updated_at", "updated_at"),
)

telegram_updates = Table(
    "telegram_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("handled", Boolean, nullable=False),
)

viber_callbacks = Table(
    "viber_callbacks",
    metadata,
    Column("message_token", String(32), primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("handled", Boolean, nullable=False),
)

viber_subscribers = Table(
    "viber_subscribers",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("subscribed", Boolean, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("booking_id", Integer, ForeignKey("bookings.id")),
    Column("change", String(16)),
    Column("sequence", Integer, nullable=False),
    Column("detail", String(200), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("depends_on", String(200)),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("lease_until", UTCDateTime),
    Column("last_error", String(300)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    CheckConstraint("status IN ('pending', 'done', 'parked', 'dropped')", name="known_status"),
    Index(
        "ix_outbox_pending_due_at",
        "due_at",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_outbox_booking_id", "booking_id"),
    Index("ix_outbox_finished_at", "finished_at"),
)

manage_tokens = Table(
    "manage_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("booking_id", Integer, ForeignKey("bookings.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

video_meetings = Table(
    "video_meetings",
    metadata,
    Column("booking_id", Integer, ForeignKey("bookings.id"), primary_key=True),
    Column("provider", String(16), nullable=False),
    Column("organizer_id", String(64), nullable=False),
    Column("meeting_id", String(500), nullable=False),
    Column("join_url", Text, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("calendar_event", Boolean, nullable=False, server_default=text("false")),
)

staff_busy = Table(
    "staff_busy",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_id", String(64), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Index("ix_staff_busy_staff_id_starts_at_ends_at", "staff_id", "starts_at", "ends_at"),
)
"""A staff member's other commitments, read from Outlook: merged, never overlapping."""

staff_busy_reads = Table(
    "staff_busy_reads",
    metadata,
    Column("staff_id", String(64), primary_key=True),
    Column("read_at", UTCDateTime, nullable=False),
)

staff_calendar = Table(
    "staff_calendar",
    metadata,
    Column("booking_id", Integer, ForeignKey("bookings.id"), primary_key=True),
    Column("staff_id", String(64), primary_key=True),
    Column("route", String(16), nullable=False),
    Column("event_id", String(500)),
    Column("sequence", Integer, nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

staff_time_off = Table(
    "staff_time_off",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_id", String(64), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("reason", String(300), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_staff_time_off_staff_id_starts_at_ends_at", "staff_id", "starts_at", "ends_at"),
)
"""Time off entered from the staff desk, beside the configuration file's."""

staff_actions = Table(
    "staff_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("booking_id", Integer),
    Column("detail", String(300), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_staff_actions_at", "at"),
)
"""The audit: every staff action, who and when."""

staff_desk_sends = Table(
    "staff_desk_sends",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("staff_id", String(64), primary_key=True),
    Column("sent_at", UTCDateTime, nullable=False),
)
"""Morning lists and nudges already sent: claimed here first, so each goes once."""

consent_texts = Table(
    "consent_texts",
    metadata,
    Column("text_hash", String(32), primary_key=True),
    Column("el", Text, nullable=False),
    Column("en", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)
"""Each declaration citizens accepted, once, in both languages: bookings keep its hash."""
