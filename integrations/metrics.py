"""The figures an operator's Prometheus reads at /metrics. Counters live in the process that
counts (the web server counts updates, the worker deliveries); the outbox's figures are read
from the database when scraped, so every process that serves /metrics gives the same ones.
No label carries personal data: channels, kinds and outcomes only."""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db.outbox import PARKED, PENDING
from integrations.db.tables import outbox

UPDATES = Counter(
    "rantevou_updates_total",
    "Chat updates handled, by channel and outcome (error: its handling failed, and the "
    "channel delivers it again)",
    ["channel", "outcome"],
)
DIALOG_FAILURES = Counter(
    "rantevou_dialog_failures_total",
    "Turns of the conversation that failed: the citizen was told sorry and shown the step again",
)
UPDATE_SECONDS = Histogram(
    "rantevou_update_seconds",
    "Time to handle one chat update, its replies included",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
OUTSIDE_FAILURES = Counter(
    "rantevou_outside_failures_total",
    "Calls to an outside service that failed (service: smtp or graph; retried: yes, or no)",
    ["service", "retried"],
)
DELIVERIES = Counter(
    "rantevou_outbox_deliveries_total",
    "Notifications the worker finished, by kind and outcome (done, retry, parked, dropped)",
    ["kind", "outcome"],
)
OUTBOX_PENDING = Gauge("rantevou_outbox_pending", "Notifications not yet delivered", ["kind"])
OUTBOX_PARKED = Gauge(
    "rantevou_outbox_parked", "Notifications given up on (python -m bot outbox list)", ["kind"]
)
GC_PAUSE_SECONDS = Histogram(
    "rantevou_gc_pause_seconds",
    "Pauses of Python's garbage collector, by generation (2: a full collection): every update "
    "in hand waits each one out",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)
FROZEN_OBJECTS = Gauge(
    "rantevou_gc_frozen_objects",
    "Objects made at start-up that the garbage collector no longer scans (gc.freeze)",
)
FROZEN_OBJECTS.set_function(gc.get_freeze_count)
OUTBOX_OLDEST_DUE = Gauge(
    "rantevou_outbox_oldest_due_seconds",
    "How long the oldest notification that is due has waited past its time (0: none)",
)


@asynccontextmanager
async def measured_update(
    channel: str, *, in_hand: tuple[type[BaseException], ...] = ()
) -> AsyncIterator[None]:
    """`in_hand`: what says that another instance has the update in hand (outcome "in_hand":
    the channel is asked to deliver it again later; not an error)."""
    started = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    except in_hand:
        outcome = "in_hand"
        raise
    finally:
        UPDATE_SECONDS.labels(channel).observe(time.perf_counter() - started)
        UPDATES.labels(channel, outcome).inc()


def time_gc_pauses() -> None:
    """Times each collection from here on (once per process)."""
    if _gc_pause in gc.callbacks:
        return
    gc.callbacks.append(_gc_pause)


_gc_started = [0.0]


def _gc_pause(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _gc_started[0] = time.perf_counter()
    else:
        pause = time.perf_counter() - _gc_started[0]
        GC_PAUSE_SECONDS.labels(str(info["generation"])).observe(pause)


def outside_failure(service: str, *, retried: bool) -> None:
    OUTSIDE_FAILURES.labels(service, "yes" if retried else "no").inc()


@dataclass(frozen=True)
class OutboxFigures:
    pending: dict[str, int]
    parked: dict[str, int]
    oldest_due_s: float


async def outbox_figures(engine: AsyncEngine, now: datetime) -> OutboxFigures:
    counts = (
        select(outbox.c.status, outbox.c.kind, func.count())
        .where(outbox.c.status.in_((PENDING, PARKED)))
        .group_by(outbox.c.status, outbox.c.kind)
    )
    oldest = select(func.min(outbox.c.due_at)).where(
        outbox.c.status == PENDING, outbox.c.due_at <= now
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(counts)).all()
        oldest_due = (await connection.execute(oldest)).scalar()
    pending = {kind: n for status, kind, n in rows if status == PENDING}
    parked = {kind: n for status, kind, n in rows if status == PARKED}
    waited = (now - oldest_due).total_seconds() if oldest_due is not None else 0.0
    return OutboxFigures(pending, parked, max(waited, 0.0))


async def exposition(engine: AsyncEngine, now: datetime) -> tuple[bytes, str]:
    """The text Prometheus reads, and its content type."""
    figures = await outbox_figures(engine, now)
    for gauge, values in ((OUTBOX_PENDING, figures.pending), (OUTBOX_PARKED, figures.parked)):
        gauge.clear()
        for kind, count in values.items():
            gauge.labels(kind).set(count)
    OUTBOX_OLDEST_DUE.set(figures.oldest_due_s)
    return generate_latest(), CONTENT_TYPE_LATEST
