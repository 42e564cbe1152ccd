"""What an operator's tools ask a process: /health (the process answers), /ready (it can work:
the database answers and its schema is up to date) and /metrics (Prometheus). `web` serves them
on its port; `worker` and `run` on METRICS_PORT when it is set."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import SetupProblem
from integrations.db.migrate import schema_problem
from integrations.metrics import exposition

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 5.0


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def readiness_problem(database_url: str, engine: AsyncEngine) -> str | None:
    """None when ready; else what is wrong, in one line without secrets: the same check the
    commands make before they touch the tables, within a time limit."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            return await schema_problem(database_url, engine)
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        log.warning("not ready: the database does not answer (%s)", type(error).__name__)
        return f"database unreachable ({type(error).__name__})"


def add_operator_routes(
    application: web.Application, database_url: str, engine: AsyncEngine
) -> None:
    async def ready(_request: web.Request) -> web.Response:
        problem = await readiness_problem(database_url, engine)
        if problem:
            return web.json_response({"ok": False, "problem": problem}, status=503)
        return web.json_response({"ok": True})

    async def metrics(_request: web.Request) -> web.Response:
        try:
            body, content_type = await exposition(engine, datetime.now(UTC))
        except (SQLAlchemyError, OSError) as error:
            log.warning("metrics: the database cannot be read (%s)", type(error).__name__)
            return web.Response(status=503, text="the database cannot be read: see /ready\n")
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    application.router.add_get("/health", health)
    application.router.add_get("/ready", ready)
    application.router.add_get("/metrics", metrics)


@asynccontextmanager
async def operator_server(
    database_url: str, engine: AsyncEngine, host: str, port: int | None
) -> AsyncIterator[None]:
    """/health, /ready and /metrics on their own port for the processes that serve no webhook;
    nothing when no port is set."""
    if port is None:
        yield
        return
    application = web.Application()
    add_operator_routes(application, database_url, engine)
    runner = web.AppRunner(application)
    await runner.setup()
    try:
        await listen(runner, host, port, "METRICS_PORT")
        yield
    finally:
        await runner.cleanup()


async def listen(runner: web.AppRunner, host: str, port: int, setting: str) -> None:
    """Starts listening; a port taken or not allowed is said in one line, naming the setting."""
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise SetupProblem(f"{setting}={port}: cannot listen on {host}:{port} ({reason})") from None
