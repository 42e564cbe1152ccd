"""The commands that talk to a chat channel (`run`, `worker`, `web`), apart from the others so
that `migrate`, `check-config`, `outbox` and the like start without loading aiogram (about 2.5
seconds of a process's start). A channel refusing at start-up becomes one line (SetupProblem)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError

from bot.app import App, SetupProblem
from bot.health import operator_server
from bot.telegram.runner import make_bot, run_polling
from bot.viber.runner import make_viber_client
from bot.web import serve_web
from bot.worker import build_outbox_worker, run_worker
from integrations.viber.client import ViberError, ViberUnavailable


async def run_channel_command(command: str, app: App) -> None:
    try:
        if command == "run":
            await _run_polling(app)
        elif command == "worker":
            await _run_worker(app)
        elif command == "web":
            await serve_web(app)
    except TelegramUnauthorizedError:
        raise SetupProblem(
            "Telegram refused BOT_TOKEN (Unauthorized): check the token from @BotFather."
        ) from None
    except TelegramAPIError as error:
        raise SetupProblem(f"Telegram: {str(error).splitlines()[0]}") from None
    except (ViberError, ViberUnavailable) as error:
        raise SetupProblem(f"Viber refused to start the webhook: {error}") from None


async def _run_polling(app: App) -> None:
    """Telegram long polling, with a worker that also reminds Viber citizens when there is a
    Viber token (the Viber webhook itself is `web`'s)."""
    viber = make_viber_client(app) if app.settings.viber_token else None
    async with _operator_server(app):
        await run_polling(app, worker=lambda bot: build_outbox_worker(app, bot, viber))


async def _run_worker(app: App) -> None:
    bot = make_bot(app) if app.settings.bot_token else None  # the app closes both
    viber = make_viber_client(app) if app.settings.viber_token else None
    async with _operator_server(app):
        await run_worker(app, bot, viber)


def _operator_server(app: App) -> AbstractAsyncContextManager[None]:
    settings = app.settings
    return operator_server(settings.database_url, app.engine, settings.host, settings.metrics_port)
