"""`python -m bot [command]`. Problems with the configuration or the database end the program
with one clear line and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot import logs
from bot.app import App, SetupProblem, build_app, freeze_start_up_objects
from bot.availability_report import availability_report
from bot.check_config import check_config
from bot.console import run_console
from bot.outbox_command import parked_table, retry_parked
from integrations.configuration import ConfigError
from integrations.db.migrate import schema_problem, upgrade
from integrations.db.outbox import SqlParkedNotifications
from integrations.db.retention import SqlPurge
from integrations.settings import Settings, SettingsError

EXIT_SETUP_PROBLEM = 2
CHANNEL_COMMANDS = ("run", "worker", "web")
NEEDS_SCHEMA = ("outbox", "purge", "availability")
"""Commands that only read or tidy the tables: without them, one line says to migrate."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Rantevou booking bot")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("check-config", help="read the configuration file and report problems")
    commands.add_parser("console", help="the booking chat in this terminal (the default)")
    commands.add_parser("run", help="Telegram long polling (needs BOT_TOKEN)")
    commands.add_parser(
        "web",
        help="webhook server for Telegram (BOT_TOKEN, WEBHOOK_SECRET) and Viber (VIBER_TOKEN)",
    )
    commands.add_parser("worker", help="deliver e-mails, meetings, reminders and staff pings")
    commands.add_parser("availability", help="show the next free times of every service")
    commands.add_parser(
        "purge", help="erase personal data kept past the configured periods (hourly in the worker)"
    )
    outbox = commands.add_parser("outbox", help="the notifications the worker gave up on")
    actions = outbox.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="each parked notification: id, kind, booking, error")
    retry = actions.add_parser("retry", help="send parked notifications again")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="from outbox list")
    retry.add_argument("--all", action="store_true", help="every parked notification")
    return parser


async def _run(command: str, app: App, arguments: argparse.Namespace) -> int:
    """Returns the exit status."""
    if command in CHANNEL_COMMANDS:
        from bot.channels import run_channel_command  # aiogram only where it is needed
    freeze_start_up_objects()  # once the command has imported what it needs (aiogram too)
    try:
        if command in NEEDS_SCHEMA:
            problem = await schema_problem(app.settings.database_url, app.engine)
            if problem:
                raise SetupProblem(f"database {_safe_url(app.settings.database_url)}: {problem}")
        if command == "migrate":
            await upgrade(app.engine)
            print(f"database up to date: {_safe_url(app.settings.database_url)}")
        elif command == "console":
            await upgrade(app.engine)
            await run_console(app.dialog)
        elif command in CHANNEL_COMMANDS:
            await run_channel_command(command, app)
        elif command == "check-config":
            print("\n".join(await check_config(app.settings, app.configuration, app.storage)))
        elif command == "outbox":
            return await _outbox(app, arguments)
        elif command == "purge":
            purged = await SqlPurge(app.engine, app.configuration).run(datetime.now(UTC))
            print(f"purged: {purged}")
        elif command == "availability":
            for municipality in app.configuration.municipalities:
                for line in await availability_report(app.storage, municipality):
                    print(line)
    finally:
        await app.close()
    return 0


async def _outbox(app: App, arguments: argparse.Namespace) -> int:
    notifications = SqlParkedNotifications(app.engine)
    if arguments.action == "list":
        zone = app.configuration.municipalities[0].time_zone
        print("\n".join(parked_table(await notifications.parked(), zone)))
        return 0
    lines, done = await retry_parked(notifications, arguments.ids, arguments.all)
    print("\n".join(lines), file=sys.stdout if done else sys.stderr)
    return 0 if done else 1


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _default_command(settings: Settings) -> str:
    """With a Telegram token the bot polls Telegram; with only a Viber token it serves Viber's
    webhook; with neither, it talks in the terminal."""
    if settings.bot_token:
        return "run"
    return "web" if settings.viber_token else "console"


MIN_SECRET = 32
"""Characters: a secret of 32 from 64 symbols cannot be guessed by trying."""
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _missing_settings(command: str, settings: Settings) -> str | None:
    if command == "run" and not settings.bot_token:
        return "BOT_TOKEN is not set: create the bot with @BotFather and set its token."
    if command == "web" and not (settings.bot_token or settings.viber_token):
        return "Neither BOT_TOKEN (Telegram) nor VIBER_TOKEN (Viber) is set: nothing to serve."
    if command == "web" and settings.bot_token and not settings.webhook_secret:
        return "WEBHOOK_SECRET is not set: the webhook refuses to start without a secret."
    if command == "web" and settings.bot_token and len(settings.webhook_secret) < MIN_SECRET:
        return (
            f"WEBHOOK_SECRET is too short: at least {MIN_SECRET} characters "
            "(e.g. openssl rand -hex 32)."
        )
    if command == "web" and settings.bot_token and not _SECRET.fullmatch(settings.webhook_secret):
        return "WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (Telegram's rule)."
    return None


def main(argv: Sequence[str] | None = None) -> int:
    logs.configure(logging.WARNING)
    arguments = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        app = build_app(settings)
    except (ConfigError, SettingsError) as error:
        print(error, file=sys.stderr)
        return EXIT_SETUP_PROBLEM
    logs.configure(settings.log_level, settings.log_format)
    command = arguments.command or _default_command(settings)
    missing = _missing_settings(command, settings)
    if missing:
        print(missing, file=sys.stderr)
        return EXIT_SETUP_PROBLEM
    try:
        return asyncio.run(_run(command, app, arguments))
    except KeyboardInterrupt:
        return 0
    except SetupProblem as problem:
        print(problem, file=sys.stderr)
        return EXIT_SETUP_PROBLEM
    except (DBAPIError, OSError) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(f"database {_safe_url(settings.database_url)}: {reason}", file=sys.stderr)
        return EXIT_SETUP_PROBLEM


if __name__ == "__main__":
    sys.exit(main())
