"""Which meeting belongs to which video-call booking: its organiser, and which change of the
booking it reflects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.engine import insert_for, write_transaction
from integrations.db.tables import video_meetings
from integrations.meetings.provider import Meeting


@dataclass(frozen=True, slots=True)
class StoredMeeting:
    meeting: Meeting
    provider: str
    organizer_id: str
    sequence: int
    deleted: bool


class SqlVideoMeetings:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, booking_id: int) -> StoredMeeting | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(video_meetings).where(video_meetings.c.booking_id == booking_id)
                )
            ).one_or_none()
        if row is None:
            return None
        return StoredMeeting(
            Meeting(row.meeting_id, row.join_url, row.calendar_event),
            row.provider,
            row.organizer_id,
            row.sequence,
            row.deleted,
        )

    async def join_url(self, booking_id: int) -> str | None:
        stored = await self.get(booking_id)
        return stored.meeting.join_url if stored and not stored.deleted else None

    async def save(self, booking_id: int, stored: StoredMeeting, now: datetime) -> None:
        values = {
            "provider": stored.provider,
            "organizer_id": stored.organizer_id,
            "meeting_id": stored.meeting.meeting_id,
            "join_url": stored.meeting.join_url,
            "calendar_event": stored.meeting.calendar_event,
            "sequence": stored.sequence,
            "deleted": stored.deleted,
            "updated_at": now,
        }
        async with write_transaction(self._engine) as connection:
            insert = insert_for(connection.dialect.name)
            statement = insert(video_meetings).values(booking_id=booking_id, **values)
            await connection.execute(
                statement.on_conflict_do_update(index_elements=["booking_id"], set_=values)
            )
            await connection.commit()
