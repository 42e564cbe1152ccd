"""Settings from environment variables, read once at start-up. Secrets live only here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_DIR / 'rantevou.sqlite3'}"
DEFAULT_BOOKING_CONFIG = PROJECT_DIR / "config" / "chania.toml"


def normalize_database_url(url: str) -> str:
    """Accepts the URLs people write (`postgresql://…`, `sqlite:///…`) and names the async
    driver SQLAlchemy needs."""
    url = url.strip() or DEFAULT_DATABASE_URL
    scheme, _, rest = url.partition("://")
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+asyncpg://{rest}"
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    return url


class SettingsError(ValueError):
    """An environment variable with a value that cannot be used; the message names it."""


def _port(environ: Mapping[str, str], name: str = "PORT", default: int = 8080) -> int:
    return _whole_number(environ, name, default, 65535, "a port number (1-65535)")


def _optional_port(environ: Mapping[str, str], name: str) -> int | None:
    return _port(environ, name) if environ.get(name, "").strip() else None


def _rate(environ: Mapping[str, str], name: str, default: float) -> float:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        rate = float(value)
    except ValueError:
        rate = 0
    if not 0 < rate <= 1_000_000:
        raise SettingsError(f"{name}: {value!r} is not a number of messages a second above 0")
    return rate


def _seconds(environ: Mapping[str, str], name: str, default: int) -> int:
    return _whole_number(environ, name, default, 10**9, "a number of seconds")


def _whole_number(
    environ: Mapping[str, str], name: str, default: int, highest: int, meaning: str
) -> int:
    value = environ.get(name, "").strip() or str(default)
    if not value.isdigit() or not 0 < int(value) <= highest:
        raise SettingsError(f"{name}: {value!r} is not {meaning}")
    return int(value)


def _text(environ: Mapping[str, str], name: str, default: str) -> str:
    return environ.get(name, "").strip().rstrip("/") or default


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level(environ: Mapping[str, str]) -> str:
    value = environ.get("LOG_LEVEL", "").strip().upper() or "WARNING"
    if value not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL: {value!r} is not one of {', '.join(LOG_LEVELS)}")
    return value


LOG_FORMATS = ("text", "json")


def _log_format(environ: Mapping[str, str]) -> str:
    value = environ.get("LOG_FORMAT", "").strip().lower() or "text"
    if value not in LOG_FORMATS:
        raise SettingsError(f"LOG_FORMAT: {value!r} is not one of {', '.join(LOG_FORMATS)}")
    return value


def _yes_no(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}: {value!r} is neither true nor false")


def _chat_id(environ: Mapping[str, str]) -> int | None:
    value = environ.get("STAFF_CHAT_ID", "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise SettingsError(
            f"STAFF_CHAT_ID: {value!r} is not a chat id (a group's id is a negative number)"
        ) from None


def _mail_from(environ: Mapping[str, str]) -> str:
    value = environ.get("MAIL_FROM", "").strip()
    if environ.get("SMTP_HOST", "").strip() and "@" not in value:
        raise SettingsError(
            "MAIL_FROM: set the sender's address, e.g. 'Δήμος Χανίων <rantevou@chania.gr>'"
        )
    return value


def _viber_sender_name(environ: Mapping[str, str]) -> str:
    value = environ.get("VIBER_SENDER_NAME", "").strip()
    if len(value) > 28:
        raise SettingsError(f"VIBER_SENDER_NAME: {value!r} is longer than Viber's 28 characters")
    return value


MEETING_PROVIDERS = ("teams", "jitsi", "none")


def _meeting_provider(environ: Mapping[str, str]) -> str:
    value = environ.get("MEETING_PROVIDER", "").strip().lower() or "none"
    if value not in MEETING_PROVIDERS:
        raise SettingsError(f"MEETING_PROVIDER: {value!r} is not one of {MEETING_PROVIDERS}")
    if value == "teams":
        needed = ("GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET")
        missing = [name for name in needed if not environ.get(name, "").strip()]
        if missing:
            raise SettingsError(f"MEETING_PROVIDER=teams needs {', '.join(missing)}")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str
    booking_config: Path
    bot_token: str = ""
    telegram_api_url: str = ""
    """Base URL of the Bot API server; empty: Telegram's."""
    webhook_secret: str = ""
    webhook_base_url: str = ""
    database_pool_size: int = 10
    """PostgreSQL: connections each process keeps open (a burst may open half as many more
    for a moment). A connection opened per burst and closed after it costs PostgreSQL a new
    backend process each time: size it to the turns handled at once."""
    redis_url: str = ""
    """Optional: shared state for several instances (Telegram's sending pace)."""
    host: str = "0.0.0.0"
    port: int = 8080
    metrics_port: int | None = None
    """`worker` and `run` serve /health, /ready and /metrics on it; `web` serves them on PORT."""
    staff_chat_id: int | None = None
    """The staff group's Telegram chat id (negative for groups)."""
    smtp_host: str = ""
    """Empty: e-mails wait in the outbox until an SMTP server is configured."""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = ""
    meeting_provider: str = "none"
    jitsi_base_url: str = "https://meet.jit.si"
    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_client_secret: str = ""
    graph_authority_url: str = "https://login.microsoftonline.com"
    graph_api_url: str = "https://graph.microsoft.com/v1.0"
    viber_token: str = ""
    """The Viber bot's token; empty: no Viber."""
    viber_api_url: str = "https://chatapi.viber.com/pa"
    viber_sender_name: str = ""
    """The name on the bot's messages (at most 28 characters); empty: the municipality's."""
    outbox_lease_s: int = 300
    """How long a worker holds a notification it claimed; after that (the worker died)
    another worker takes it. Longer than any delivery may take."""
    freebusy_refresh_s: int = 300
    """With Teams: how often the worker reads the staff's Outlook free/busy."""
    telegram_messages_per_s: float = 28
    """Messages a second to Telegram overall, evenly spaced (Telegram allows about 30)."""
    telegram_chat_messages_per_s: float = 0.95
    """Messages a second to one chat (Telegram allows about one)."""
    public_base_url: str = ""
    """Where citizens' browsers reach `python -m bot web` (its /privacy page); empty: none."""
    log_level: str = "WARNING"
    log_format: str = "text"
    """text, or json: one JSON object a line, for a log collector."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            database_url=normalize_database_url(environ.get("DATABASE_URL", "")),
            booking_config=Path(environ.get("BOOKING_CONFIG", "") or DEFAULT_BOOKING_CONFIG),
            bot_token=environ.get("BOT_TOKEN", "").strip(),
            telegram_api_url=environ.get("TELEGRAM_API_URL", "").strip(),
            webhook_secret=environ.get("WEBHOOK_SECRET", "").strip(),
            webhook_base_url=environ.get("WEBHOOK_BASE_URL", "").strip().rstrip("/"),
            database_pool_size=_whole_number(
                environ, "DATABASE_POOL_SIZE", 10, 1000, "a number of connections (1-1000)"
            ),
            redis_url=environ.get("REDIS_URL", "").strip(),
            host=environ.get("HOST", "").strip() or "0.0.0.0",
            port=_port(environ),
            metrics_port=_optional_port(environ, "METRICS_PORT"),
            staff_chat_id=_chat_id(environ),
            smtp_host=environ.get("SMTP_HOST", "").strip(),
            smtp_port=_port(environ, "SMTP_PORT", 587),
            smtp_username=environ.get("SMTP_USERNAME", "").strip(),
            smtp_password=environ.get("SMTP_PASSWORD", ""),
            smtp_starttls=_yes_no(environ, "SMTP_STARTTLS", True),
            mail_from=_mail_from(environ),
            meeting_provider=_meeting_provider(environ),
            jitsi_base_url=_text(environ, "JITSI_BASE_URL", "https://meet.jit.si"),
            graph_tenant_id=environ.get("GRAPH_TENANT_ID", "").strip(),
            graph_client_id=environ.get("GRAPH_CLIENT_ID", "").strip(),
            graph_client_secret=environ.get("GRAPH_CLIENT_SECRET", ""),
            graph_authority_url=_text(
                environ, "GRAPH_AUTHORITY_URL", "https://login.microsoftonline.com"
            ),
            graph_api_url=_text(environ, "GRAPH_API_URL", "https://graph.microsoft.com/v1.0"),
            viber_token=environ.get("VIBER_TOKEN", "").strip(),
            viber_api_url=_text(environ, "VIBER_API_URL", "https://chatapi.viber.com/pa"),
            viber_sender_name=_viber_sender_name(environ),
            outbox_lease_s=_seconds(environ, "OUTBOX_LEASE_SECONDS", 300),
            freebusy_refresh_s=_seconds(environ, "FREEBUSY_REFRESH_SECONDS", 300),
            telegram_messages_per_s=_rate(environ, "TELEGRAM_MESSAGES_PER_SECOND", 28),
            telegram_chat_messages_per_s=_rate(environ, "TELEGRAM_CHAT_MESSAGES_PER_SECOND", 0.95),
            public_base_url=_text(environ, "PUBLIC_BASE_URL", ""),
            log_level=_log_level(environ),
            log_format=_log_format(environ),
        )
