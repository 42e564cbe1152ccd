"""Runs the purge in the worker: once at start, then every hour (most rounds find nothing; the
periods themselves are days). Logs counts only."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from integrations.db.retention import SqlPurge
from integrations.outbox.worker import Clock

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=1)


class PurgeSchedule:
    def __init__(self, purge: SqlPurge, clock: Clock, every: timedelta = PURGE_EVERY) -> None:
        self._purge = purge
        self._clock = clock
        self._every = every

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                purged = await self._purge.run(self._clock())
                log.info("purge: %s", purged)
            except Exception:  # the database went away: the next round does it
                log.exception("purge: a round failed")
            try:
                async with asyncio.timeout(self._every.total_seconds()):
                    await stopping.wait()
            except TimeoutError:
                pass
