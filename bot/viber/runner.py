"""Wiring for Viber: the client with the bot's name, and the handler of its callbacks."""

from __future__ import annotations

from bot.app import App
from bot.viber.client import ViberClient
from bot.viber.handlers import ViberCitizens
from integrations.db.seen_updates import SqlSeenUpdates
from integrations.db.tables import viber_callbacks
from integrations.db.viber_subscribers import SqlViberSubscribers


def make_viber_client(app: App) -> ViberClient:
    settings = app.settings
    name = settings.viber_sender_name or app.configuration.municipalities[0].name.el
    return ViberClient(settings.viber_token, name, settings.viber_api_url)


def viber_citizens(app: App, client: ViberClient) -> ViberCitizens:
    return ViberCitizens(
        app.dialog,
        client,
        SqlViberSubscribers(app.engine),
        SqlSeenUpdates(app.engine, viber_callbacks),
    )
