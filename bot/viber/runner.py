"""Wiring for Viber: the client with the bot's name, and the handler of its callbacks."""

from __future__ import annotations

from bot.app import App
from bot.viber.exports import ExportLinks
from bot.viber.handlers import ViberCitizens
from integrations.viber.client import ViberClient


def make_viber_client(app: App) -> ViberClient:
    settings = app.settings
    name = settings.viber_sender_name or app.configuration.municipalities[0].name.el
    client = ViberClient(settings.viber_token, name, settings.viber_api_url)
    app.closes(client.close)
    return client


def export_links(app: App) -> ExportLinks | None:
    """Where /mydata's file is served for Viber: PUBLIC_BASE_URL, else the webhook's address
    (the same `web` server); neither: Viber citizens get the message without the file."""
    base = app.settings.public_base_url or app.settings.webhook_base_url
    return ExportLinks(app.settings.viber_token, base) if base else None


def viber_citizens(app: App, client: ViberClient) -> ViberCitizens:
    return ViberCitizens(
        app.dialog,
        client,
        app.repositories.viber_subscribers,
        app.repositories.viber_callbacks,
        exports=export_links(app),
    )
