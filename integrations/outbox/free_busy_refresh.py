"""Reads the staff's Outlook free/busy into the database every few minutes, for the booking
window; availability counts it like bookings. When Graph cannot be reached, the last intervals
read stay in force and the log says how old they are."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from domain.availability import bookable_range
from domain.model import Configuration
from integrations.db.staff_busy import SqlStaffBusy
from integrations.delivery import DeliveryFailed, RetryLater, Undeliverable
from integrations.graph.free_busy import OutlookFreeBusy
from integrations.outbox.worker import Clock

log = logging.getLogger(__name__)


class FreeBusyRefresh:
    def __init__(
        self,
        configuration: Configuration,
        reader: OutlookFreeBusy,
        store: SqlStaffBusy,
        clock: Clock,
        every: timedelta,
    ) -> None:
        self._configuration = configuration
        self._reader = reader
        self._store = store
        self._clock = clock
        self._every = every

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                wait = await self.refresh()
            except Exception:  # the database went away, say: try again at the next round
                log.exception("free/busy: a round failed")
                wait = self._every
            try:
                async with asyncio.timeout(wait.total_seconds()):
                    await stopping.wait()
            except TimeoutError:
                pass

    async def refresh(self) -> timedelta:
        """One read of every staff member with a Teams account. Returns when to read next."""
        now = self._clock()
        for municipality in self._configuration.municipalities:
            users = {m.teams_user_id: m.id for m in municipality.staff if m.teams_user_id}
            if not users:
                continue
            _, until = bookable_range(municipality, now)
            try:
                found = await self._reader.read(
                    list(users), now, until, municipality.reference_prefix
                )
            except RetryLater as error:
                await self._stale(now, str(error))
                return max(error.delay, self._every)
            except (DeliveryFailed, Undeliverable) as error:
                await self._stale(now, str(error))
                return self._every
            for user, spans in found.items():
                await self._store.replace(users[user], (now, until), spans, now)
            log.info("free/busy read for %d staff members", len(users))
        return self._every

    async def _stale(self, now: datetime, error: str) -> None:
        reads = await self._store.last_read()
        oldest = min(reads.values(), default=None)
        age = f"{int((now - oldest).total_seconds() // 60)} min old" if oldest else "none yet"
        log.warning("free/busy not read (%s); the busy times in force are %s", error, age)
