"""The staff's free/busy from Outlook: `POST /users/{id}/calendar/getSchedule`, at most 20
people a call and a window under 62 days, so a longer window or a larger office takes several
calls. Busy and out-of-office items count; the office's own events (their subject starts with a
booking reference) do not: the bookings themselves already block those times, and a booking
just moved would otherwise be blocked by its own old event until the next read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from domain.reference import ALPHABET, CODE_LENGTH
from integrations.graph.client import GraphClient

PEOPLE_PER_CALL = 20
LONGEST_WINDOW = timedelta(days=60)
BLOCKING = frozenset({"busy", "oof"})

Span = tuple[datetime, datetime]


class OutlookFreeBusy:
    def __init__(self, graph: GraphClient) -> None:
        self._graph = graph

    async def read(
        self, users: Sequence[str], start: datetime, end: datetime, reference_prefix: str
    ) -> dict[str, list[Span]]:
        """Each user's busy spans in [start, end). Raises the outbox's errors when Graph
        fails, so that nothing is half-read."""
        own_event = re.compile(rf"{re.escape(reference_prefix)}-[{ALPHABET}]{{{CODE_LENGTH}}}\b")
        found: dict[str, list[Span]] = {user: [] for user in users}
        for group_start in range(0, len(users), PEOPLE_PER_CALL):
            group = list(users[group_start : group_start + PEOPLE_PER_CALL])
            window_start = start
            while window_start < end:
                window_end = min(window_start + LONGEST_WINDOW, end)
                answer = await self._graph.call(
                    "POST",
                    f"/users/{quote(group[0])}/calendar/getSchedule",
                    {
                        "schedules": group,
                        "startTime": _instant(window_start),
                        "endTime": _instant(window_end),
                        "availabilityViewInterval": 15,
                    },
                )
                for schedule in answer.get("value") or []:
                    user = schedule.get("scheduleId")
                    if user in found and "error" not in schedule:
                        found[user] += _busy_spans(schedule.get("scheduleItems") or [], own_event)
                window_start = window_end
        return found


def _busy_spans(items: Sequence[dict[str, Any]], own_event: re.Pattern[str]) -> list[Span]:
    spans = []
    for item in items:
        if item.get("status") not in BLOCKING:
            continue
        if own_event.match(str(item.get("subject") or "")):
            continue
        spans.append((_parse(item["start"]), _parse(item["end"])))
    return spans


def _instant(instant: datetime) -> dict[str, str]:
    return {"dateTime": instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def _parse(value: dict[str, str]) -> datetime:
    """Graph answers in the zone asked for (UTC), with seven decimal places."""
    text = value["dateTime"].split(".")[0]
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
