"""Settings from the environment: a value that cannot work stops start-up with a line that
names the variable and says what is expected."""

from __future__ import annotations

import pytest

from integrations.settings import Settings, SettingsError

SMTP = {"SMTP_HOST": "mail.chania.example", "MAIL_FROM": "Δήμος Χανίων <rantevou@chania.gr>"}


def test_notification_settings_are_read():
    settings = Settings.from_env(
        {**SMTP, "SMTP_PORT": "465", "SMTP_STARTTLS": "no", "STAFF_CHAT_ID": "-100123"}
    )
    assert (settings.smtp_port, settings.smtp_starttls, settings.staff_chat_id) == (
        465,
        False,
        -100123,
    )
    assert settings.meeting_provider == "none"
    assert settings.outbox_lease_s == 300


def test_teams_is_chosen_with_its_credentials():
    graph = {"GRAPH_TENANT_ID": "t", "GRAPH_CLIENT_ID": "c", "GRAPH_CLIENT_SECRET": "s"}
    settings = Settings.from_env({"MEETING_PROVIDER": "Teams", **graph})
    assert settings.meeting_provider == "teams"
    assert settings.graph_api_url == "https://graph.microsoft.com/v1.0"


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"STAFF_CHAT_ID": "staff-group"}, "STAFF_CHAT_ID"),
        ({"SMTP_HOST": "mail.chania.example"}, "MAIL_FROM"),
        ({**SMTP, "SMTP_PORT": "smtp"}, "SMTP_PORT"),
        ({**SMTP, "SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS"),
        ({"MEETING_PROVIDER": "zoom"}, "MEETING_PROVIDER"),
        ({"MEETING_PROVIDER": "teams", "GRAPH_TENANT_ID": "t"}, "GRAPH_CLIENT_ID"),
        ({"OUTBOX_LEASE_SECONDS": "0"}, "OUTBOX_LEASE_SECONDS"),
        ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE"),
        ({"DATABASE_POOL_SIZE": "twenty"}, "DATABASE_POOL_SIZE"),
        ({"VIBER_SENDER_NAME": "Δήμος Χανίων – Υπηρεσία Δόμησης"}, "VIBER_SENDER_NAME"),
    ],
)
def test_a_value_that_cannot_work_is_named(environment: dict[str, str], named: str):
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(environment)


def test_each_process_keeps_the_pool_of_postgresql_connections_it_is_given():
    """Connections opened and closed per burst cost PostgreSQL a new backend process each."""
    from bot.app import build_app

    environment = {"DATABASE_URL": "postgresql://rantevou@db.example/rantevou"}
    default = build_app(Settings.from_env(environment)).engine.pool
    sized = build_app(Settings.from_env({**environment, "DATABASE_POOL_SIZE": "24"})).engine.pool
    assert default.size() == 10  # type: ignore[attr-defined]
    assert sized.size() == 24  # type: ignore[attr-defined]
