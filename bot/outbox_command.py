"""`python -m bot outbox list|retry`: the notifications the worker gave up on (the staff group
was told of each), and sending them again once the cause is mended. Lists no personal data:
the kind, the booking's reference, the attempts and the stored error (which never carries any)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from integrations.db.outbox import ParkedRow, SqlParkedNotifications

NOTHING_TO_RETRY = (
    "outbox retry: give the ids to send again (python -m bot outbox list shows them) or --all"
)


def parked_table(rows: Sequence[ParkedRow], zone: ZoneInfo) -> list[str]:
    if not rows:
        return ["no parked notifications"]
    lines = [f"{'id':>6}  {'kind':<20} {'booking':<12} {'tries':>5}  {'parked at':<16}  error"]
    for row in rows:
        parked = row.parked_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if row.parked_at else ""
        lines.append(
            f"{row.id:>6}  {row.kind:<20} {row.booking_reference or '-':<12} "
            f"{row.attempts:>5}  {parked:<16}  {row.last_error}"
        )
    lines.append(f"{len(rows)} parked; python -m bot outbox retry ID… (or --all) sends them again")
    return lines


async def retry_parked(
    notifications: SqlParkedNotifications, ids: Sequence[int], everything: bool
) -> tuple[list[str], bool]:
    """The lines to print, and whether all that was asked for was done."""
    if not ids and not everything:
        return [NOTHING_TO_RETRY], False
    retried = await notifications.retry(None if everything else ids, datetime.now(UTC))
    lines = [f"sent again: {len(retried)} ({', '.join(map(str, retried)) or 'none'})"]
    missing = sorted(set(ids) - set(retried))
    if missing:
        lines.append(f"not parked (no such id, or already sent): {', '.join(map(str, missing))}")
    lines.append("the worker delivers them now, each with its attempts counted afresh")
    return lines, not missing
